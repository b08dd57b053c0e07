/**
 * A fake Kubernetes API server on loopback for run logs, spoken to by the real @kubernetes/client-node:
 *
 * - `GET /api/v1/namespaces/{ns}/pods?labelSelector=k=v[,k2=v2]` → a PodList of the matching pods;
 * - `GET /api/v1/namespaces/{ns}/pods/{pod}/log?container=main[&follow=true][&tailLines=N][&sinceSeconds=S][&timestamps=true]`
 *   → the container's log. A pod's log lines are written over time (one every `lineIntervalMs` from when the pod was
 *   added); with `follow=true` the answer is a chunked response that writes each line when it is due and ends when the
 *   "container" ends (after its last line); without follow it holds the lines written so far. As the kubelet does:
 *   `tailLines` starts at the last N lines written, `sinceSeconds` drops older lines, `timestamps` prefixes each line
 *   with its RFC 3339 time and a space. These are the Kubernetes PodLogOptions fields (k8s.io/api core/v1 types.go
 *   PodLogOptions: follow, tailLines, sinceSeconds, timestamps); Kubernetes is not in kubeflow/pipelines, so this is
 *   from the API reference, not checked against kubelet code. The UI server reads logs through the same call
 *   (frontend/server/k8s-helper.ts: readNamespacedPodLog({name, namespace, container})).
 *
 * Faults: `cut` ends follow streams of a pod with a broken connection after some lines (the socket is destroyed
 * mid-response, as when an API server or a proxy in front of it restarts or drops an idle stream). `split` writes a
 * pod's log responses in pieces cut at chosen bytes of the body, which may fall inside a UTF-8 character. This is
 * fault injection and follows no upstream function: the kubelet and the API server stream a log as the container
 * writes it, and any write, TLS record or proxy buffer on the way can end anywhere, so a client gets chunks cut at
 * arbitrary bytes.
 *
 * Requests must carry `Authorization: Bearer <token>` (else 401 Status). `kubeconfig()` writes a kubeconfig file
 * whose current context points at the server with that token.
 */
import {writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'

export interface FakePodInput {
  name: string
  namespace?: string
  /** Sets `pipeline/runid`. */
  runId: string
  /** The KFP task: Argo's node-name annotation becomes `<wf>.root.<step>.executor` (or `-driver` for drivers). */
  step: string
  role?: 'launcher' | 'driver'
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed'
  log?: string[]
  lineIntervalMs?: number
  containers?: string[]
}

interface FakePod extends Required<Omit<FakePodInput, 'log'>> {
  log: string[]
  addedAt: number
  createdAt: string
}

export interface FakeKube {
  url: string
  token: string
  pods: Map<string, FakePod>
  requests: Array<{method: string; path: string; query: Record<string, string>; at: number}>
  /** Times at which each log line was written to a follow stream (pod → line → ms since epoch). */
  written: Array<{pod: string; line: string; at: number}>
  addPod(p: FakePodInput): void
  /** Follow streams of pods whose name matches are cut after `afterLines` lines, `times` times (default 1). */
  cut: Array<{pod: RegExp; afterLines: number; times?: number}>
  /**
   * Log responses (follow or not) of pods whose name matches are written in pieces cut at these byte offsets of the
   * body (from its first byte), `pauseMs` (default 30) apart so that each piece reaches the client as a chunk of its own.
   */
  split: Array<{pod: RegExp; atBytes: number[]; pauseMs?: number}>
  /** Writes a kubeconfig for this server in `dir` and returns its path. */
  kubeconfig(dir: string, namespace?: string): Promise<string>
  close(): Promise<void>
}

export async function startFakeKube(opts: {token?: string} = {}): Promise<FakeKube> {
  const token = opts.token ?? 'kube-test-token'
  const pods = new Map<string, FakePod>()
  const requests: FakeKube['requests'] = []
  const writtenLines: FakeKube['written'] = []
  const open = new Set<http.ServerResponse>()
  const cuts: FakeKube['cut'] = []
  const splits: FakeKube['split'] = []

  /** Writes a response body in order; with a `split` for the pod, each piece cut at its bytes after a pause. */
  const bodyWriter = (res: http.ServerResponse, pod: string) => {
    const split = splits.find((x) => x.pod.test(pod))
    let sent = 0
    return async (text: string): Promise<void> => {
      const bytes = Buffer.from(text, 'utf8')
      const start = sent
      sent += bytes.length
      const cuts = (split?.atBytes ?? []).filter((b) => b > start && b < sent).map((b) => b - start)
      let from = 0
      for (const at of [...cuts, bytes.length]) {
        if (from > 0) await new Promise((r) => setTimeout(r, split?.pauseMs ?? 30))
        if (res.destroyed) return
        res.write(bytes.subarray(from, at))
        from = at
      }
    }
  }

  const status = (res: http.ServerResponse, code: number, reason: string, message: string) => {
    res.writeHead(code, {'content-type': 'application/json'})
    res.end(JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code}))
  }

  const podJson = (p: FakePod) => ({
    metadata: {
      name: p.name,
      namespace: p.namespace,
      uid: `uid-${p.name}`,
      creationTimestamp: p.createdAt,
      labels: {'pipeline/runid': p.runId, 'pipelines.kubeflow.org/v2_component': 'true', 'workflows.argoproj.io/workflow': `wf-${p.runId}`},
      annotations: {
        'workflows.argoproj.io/node-name': p.role === 'driver' ? `wf-${p.runId}.root.${p.step}-driver` : `wf-${p.runId}.root.${p.step}.executor`,
        'pipelines.kubeflow.org/runtime-role': p.role,
        'pipelines.kubeflow.org/v2_component': 'true',
      },
    },
    spec: {containers: p.containers.map((name) => ({name, image: 'busybox'}))},
    status: {phase: p.phase},
  })

  const matches = (p: FakePod, selector: string) =>
    selector
      .split(',')
      .filter(Boolean)
      .every((term) => {
        const [k, v] = term.split('=')
        const labels = podJson(p).metadata.labels as Record<string, string>
        return labels[k] === v
      })

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const q = Object.fromEntries(url.searchParams)
    requests.push({method: req.method ?? 'GET', path: url.pathname, query: q, at: Date.now()})
    if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized', 'Unauthorized')
    let m: RegExpExecArray | null
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname)) && req.method === 'GET') {
      const items = [...pods.values()].filter((p) => p.namespace === m![1] && matches(p, q.labelSelector ?? '')).map(podJson)
      res.writeHead(200, {'content-type': 'application/json'})
      return res.end(JSON.stringify({kind: 'PodList', apiVersion: 'v1', metadata: {resourceVersion: '1'}, items}))
    }
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname)) && req.method === 'GET') {
      const p = pods.get(m[2])
      if (!p || p.namespace !== m[1]) return status(res, 404, 'NotFound', `pods "${m[2]}" not found`)
      if (!p.containers.includes(q.container ?? '')) return status(res, 400, 'BadRequest', `container ${q.container} is not valid for pod ${p.name}`)
      if (p.phase === 'Pending') return status(res, 400, 'BadRequest', `container "${q.container}" in pod "${p.name}" is waiting to start: ContainerCreating`)
      const dueAt = (i: number) => p.addedAt + (i + 1) * p.lineIntervalMs
      const now = Date.now()
      const since = q.sinceSeconds ? now - Number(q.sinceSeconds) * 1000 : -Infinity
      const shown = (i: number) => (q.timestamps === 'true' ? `${new Date(dueAt(i)).toISOString()} ${p.log[i]}` : p.log[i])
      const written = p.log.map((_, i) => i).filter((i) => dueAt(i) <= now && dueAt(i) >= since)
      const first = q.tailLines ? written.slice(-Number(q.tailLines))[0] ?? Math.max(...written, -1) + 1 : written[0] ?? p.log.findIndex((_, i) => dueAt(i) > now)
      const write = bodyWriter(res, p.name)
      if (q.follow !== 'true') {
        res.writeHead(200, {'content-type': 'text/plain'})
        return void write(written.filter((i) => i >= first).map((i) => `${shown(i)}\n`).join('')).then(() => res.end())
      }
      // Chunked: each line when it is due; the response ends when the container ends.
      res.writeHead(200, {'content-type': 'text/plain', 'transfer-encoding': 'chunked'})
      open.add(res)
      let i = first < 0 ? p.log.length : first
      const cut = cuts.find((c) => c.pod.test(p.name) && (c.times ?? 1) > 0)
      if (cut) cut.times = (cut.times ?? 1) - 1
      let sent = 0
      const next = async () => {
        if (res.destroyed) return
        while (i < p.log.length && dueAt(i) <= Date.now()) {
          if (cut && sent >= cut.afterLines) {
            // After what was written reached the client (destroy drops unsent data).
            open.delete(res)
            return void setTimeout(() => res.socket?.destroy(), 50)
          }
          writtenLines.push({pod: p.name, line: p.log[i], at: Date.now()})
          sent++
          await write(`${shown(i++)}\n`)
          if (res.destroyed) return
        }
        if (i >= p.log.length) {
          p.phase = 'Succeeded'
          open.delete(res)
          return res.end()
        }
        setTimeout(next, Math.max(1, dueAt(i) - Date.now()))
      }
      return void next()
    }
    return status(res, 404, 'NotFound', `the fake API does not serve ${req.method} ${url.pathname}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    token,
    pods,
    requests,
    written: writtenLines,
    cut: cuts,
    split: splits,
    addPod(p) {
      pods.set(p.name, {
        namespace: 'kubeflow',
        role: 'launcher',
        phase: 'Running',
        lineIntervalMs: 50,
        containers: p.role === 'driver' ? ['driver'] : ['main', 'wait'],
        ...p,
        log: p.log ?? [],
        addedAt: Date.now(),
        createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      })
    },
    async kubeconfig(dir, namespace = 'kubeflow') {
      const file = `${dir}/kubeconfig`
      await writeFile(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          // client-node 1.x refuses plain http unless TLS verification is off, as for any http API server.
          `- name: fake\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true`,
          'users:',
          `- name: tester\n  user:\n    token: ${token}`,
          'contexts:',
          `- name: fake\n  context:\n    cluster: fake\n    user: tester\n    namespace: ${namespace}`,
          'current-context: fake',
          '',
        ].join('\n'),
        {mode: 0o600},
      )
      return file
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of open) r.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
