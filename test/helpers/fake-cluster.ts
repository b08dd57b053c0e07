/**
 * Ties the fake KFP server to the fake Kubernetes API: the step pods the server's run model starts (their names are in
 * ML Metadata, as on a real cluster) appear in the fake API with their main container's log, labelled and annotated
 * as Argo does (`pipeline/runid`, `workflows.argoproj.io/node-name`, `pipelines.kubeflow.org/runtime-role`).
 *
 * A pod appears in the API the moment the server records it, never after: on a real cluster the pod exists before its
 * name reaches ML Metadata, because the launcher running inside it publishes the execution with the pod name
 * (backend/src/v2/component/launcher_v2.go Execute → metadata client PublishExecution with PodName).
 */
import type {FakeKube} from './fake-kube.js'
import type {FakeKfpServer} from './kfp-server.js'

/**
 * Mirrors each pod the server records, as it records it, until the returned stop function is called; lines are
 * written `lineIntervalMs` apart. `missing(step)` leaves that step's pods out of the Kubernetes API (deleted early).
 */
export function mirrorPods(server: FakeKfpServer, kube: FakeKube, o: {lineIntervalMs?: number; missing?: (step: string) => boolean} = {}): () => void {
  const seen = new Set<string>()
  type Pod = FakeKfpServer['pods'] extends Map<string, infer P> ? P : never
  const mirror = (p: Pod) => {
    if (seen.has(p.name) || o.missing?.(p.task)) return
    seen.add(p.name)
    kube.addPod({name: p.name, namespace: p.namespace, runId: p.runId, step: p.task, log: p.log ? p.log.replace(/\n$/, '').split('\n') : [], lineIntervalMs: o.lineIntervalMs ?? 1})
  }
  for (const p of server.pods.values()) mirror(p)
  const pods = server.pods
  const set = pods.set.bind(pods)
  let on = true
  pods.set = (name, p) => {
    const r = set(name, p)
    if (on) mirror(p)
    return r
  }
  return () => {
    on = false
  }
}
