/**
 * Ties the fake KFP server to the fake Kubernetes API: the step pods the server's run model starts (their names are in
 * ML Metadata, as on a real cluster) appear in the fake API with their main container's log, labelled and annotated
 * as Argo does (`pipeline/runid`, `workflows.argoproj.io/node-name`, `pipelines.kubeflow.org/runtime-role`).
 */
import type {FakeKube} from './fake-kube.js'
import type {FakeKfpServer} from './kfp-server.js'

/** Mirrors new pods every 20 ms until the returned stop function is called; lines are written `lineIntervalMs` apart. */
export function mirrorPods(server: FakeKfpServer, kube: FakeKube, o: {lineIntervalMs?: number} = {}): () => void {
  const seen = new Set<string>()
  const tick = () => {
    for (const p of server.pods.values()) {
      if (seen.has(p.name)) continue
      seen.add(p.name)
      kube.addPod({name: p.name, namespace: p.namespace, runId: p.runId, step: p.task, log: p.log ? p.log.replace(/\n$/, '').split('\n') : [], lineIntervalMs: o.lineIntervalMs ?? 1})
    }
  }
  tick()
  const t = setInterval(tick, 20)
  return () => clearInterval(t)
}
