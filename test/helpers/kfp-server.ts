/**
 * A stateful fake KFP v2beta1 API server on loopback for tests.
 *
 * Every request is checked against the official swagger (path, query, headers, JSON or multipart body), also those
 * answered by an injected failure or an auth refusal; a request
 * that does not conform is answered 400 and recorded in `violations`. Every answer is validated against the
 * swagger's response schema (or googleRpcStatus for errors); a bad answer is a bug in the fake and is recorded too.
 * Tests assert `server.violations` is empty.
 *
 * State: pipelines, versions, experiments, runs. Runs start PENDING and move when the test says so
 * (`setRunState`, or a `runScript` applied one step per GET of the run). Failure injection: 401, an HTML login
 * page, 503 (then success), slow answers (for timeouts).
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import YAML from 'yaml'
import {SwaggerValidator, type SwaggerOperation} from './swagger-validator.js'

type Json = any

export interface FakeTask {
  display_name: string
  state: string
  pod_name?: string
}

export interface RunStep {
  state: string
  tasks?: FakeTask[]
}

export interface Injection {
  /** Only requests whose `METHOD path` matches (default: all). */
  match?: RegExp
  kind: '401' | '403' | 'login' | '503' | 'slow' | '404-text'
  /** How many requests to affect (default 1). */
  times?: number
  delayMs?: number
}

export interface FakeKfpOptions {
  /** When set, requests must carry `authorization: Bearer <token>` (else 401 googleRpcStatus). */
  token?: string
  /** When set, requests must carry this Cookie header value. */
  cookie?: string
  /** Serve only the v1beta1 API (a KFP 1.x server). */
  v1Only?: boolean
  /** Mount everything under this prefix (e.g. `/pipeline`, like the Kubeflow UI proxy). */
  basePath?: string
  multiUser?: boolean
  tagName?: string
}

export interface FakeKfpServer {
  url: string
  validator: SwaggerValidator
  violations: string[]
  requests: Array<{method: string; path: string; query: Record<string, string>; headers: Record<string, unknown>; body?: unknown; filename?: string}>
  pipelines: Map<string, Json>
  versions: Map<string, Json>
  experiments: Map<string, Json>
  runs: Map<string, Json>
  podLogs: Map<string, string>
  /** Per run: steps applied one by one on each GET of that run. */
  runScripts: Map<string, RunStep[]>
  /** Script given to every new run (copied), unless runScripts has one. */
  defaultRunScript?: RunStep[]
  inject(i: Injection): void
  setRunState(runId: string, state: string, tasks?: FakeTask[]): void
  close(): Promise<void>
}

let counter = 0
const newId = (kind: string) => `${kind}-${(++counter).toString(16).padStart(4, '0')}-${Math.random().toString(16).slice(2, 10)}`
const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED'])

/** Starts the fake server on 127.0.0.1 with a random port. */
export async function startFakeKfp(opts: FakeKfpOptions = {}): Promise<FakeKfpServer> {
  const validator = new SwaggerValidator()
  const injections: Injection[] = []
  const base = opts.basePath ?? ''
  const state: Omit<FakeKfpServer, 'url' | 'close' | 'inject' | 'setRunState'> = {
    validator,
    violations: [],
    requests: [],
    pipelines: new Map(),
    versions: new Map(),
    experiments: new Map(),
    runs: new Map(),
    podLogs: new Map(),
    runScripts: new Map(),
  }
  const defaultExperiment = {experiment_id: newId('exp'), display_name: 'Default', namespace: '', created_at: nowIso(), storage_state: 'AVAILABLE'}
  state.experiments.set(defaultExperiment.experiment_id, defaultExperiment)

  function setRunState(runId: string, s: string, tasks?: FakeTask[]) {
    const run = state.runs.get(runId)
    if (!run) throw new Error(`no run ${runId}`)
    run.state = s
    run.state_history = [...(run.state_history ?? []), {update_time: nowIso(), state: s}]
    if (TERMINAL.has(s)) run.finished_at = nowIso()
    if (s === 'FAILED') run.error = {code: 2, message: 'a task failed'}
    if (tasks) {
      run.run_details = {
        ...run.run_details,
        task_details: tasks.map((t, i) => ({
          run_id: runId,
          task_id: `${runId}-t${i}`,
          display_name: t.display_name,
          state: t.state,
          create_time: nowIso(),
          ...(t.pod_name ? {child_tasks: [{pod_name: t.pod_name}]} : {}),
        })),
      }
    }
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handle(req, Buffer.concat(chunks), res).catch((error) => {
        state.violations.push(`fake server crashed: ${error?.stack ?? error}`)
        if (!res.headersSent) res.writeHead(500, {'content-type': 'application/json'})
        res.end(JSON.stringify({code: 13, message: String(error)}))
      })
    })
  })

  async function handle(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x')
    let p = url.pathname
    if (base) {
      if (!p.startsWith(base + '/')) return sendText(res, 404, '404 page not found')
      p = p.slice(base.length)
    }
    const key = `${req.method} ${p}`
    /** Validates a v2beta1 request that gets an answer before the normal route (injections, auth refusals). */
    const checkOnly = () => {
      if (!p.startsWith('/apis/v2beta1/')) return
      const early = validator.validateRequest({method: req.method ?? 'GET', path: p, query: url.searchParams, headers: req.headers, rawBody: raw})
      if (early.errors.length) state.violations.push(`${key}: ${early.errors.join('; ')}`)
    }
    const inj = injections.find((i) => (i.times ?? 1) > 0 && (!i.match || i.match.test(key)))
    if (inj) {
      inj.times = (inj.times ?? 1) - 1
      // A request answered by an injected failure is still checked against the swagger.
      if (inj.kind !== 'slow') checkOnly()
      if (inj.kind === 'slow') {
        await new Promise((r) => setTimeout(r, inj.delayMs ?? 3000))
      } else if (inj.kind === '401' || inj.kind === '403') {
        const code = inj.kind === '401' ? 16 : 7
        return sendStatus(res, Number(inj.kind), {code, message: inj.kind === '401' ? 'Unauthenticated: token is invalid' : 'PermissionDenied'})
      } else if (inj.kind === 'login') {
        return sendText(res, 200, '<!DOCTYPE html><html><head><title>Log in to Your Account</title></head><body>Dex login</body></html>', 'text/html; charset=utf-8')
      } else if (inj.kind === '503') {
        return sendStatus(res, 503, {code: 14, message: 'upstream connect error or disconnect/reset before headers'})
      } else if (inj.kind === '404-text') {
        return sendText(res, 404, '404 page not found')
      }
    }
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      checkOnly()
      return sendStatus(res, 401, {code: 16, message: 'Unauthenticated: Request header error: there is no user identity header.'})
    }
    if (opts.cookie !== undefined && req.headers.cookie !== opts.cookie) {
      checkOnly()
      // Like oauth2-proxy/Dex: a redirect to the login page.
      res.writeHead(302, {location: '/dex/auth?client_id=kubeflow-oidc-authservice', 'content-type': 'text/html'})
      return res.end('<a href="/dex/auth">Found</a>.')
    }
    if (p === '/apis/v1beta1/healthz' && req.method === 'GET') {
      return sendJson(res, 200, {commit_sha: 'abc', tag_name: opts.v1Only ? '1.8.22' : (opts.tagName ?? '2.17.0'), multi_user: Boolean(opts.multiUser)})
    }
    if (p === '/k8s/pod/logs' && req.method === 'GET') {
      const pod = url.searchParams.get('podname')
      state.requests.push({method: 'GET', path: p, query: Object.fromEntries(url.searchParams), headers: req.headers})
      if (!pod) return sendText(res, 400, 'podname argument is required')
      const log = state.podLogs.get(pod)
      if (log === undefined) return sendText(res, 404, `Could not get main container logs: pod ${pod} not found`)
      return sendText(res, 200, log)
    }
    if (opts.v1Only && p.startsWith('/apis/v2beta1/')) return sendText(res, 404, '404 page not found')

    const check = validator.validateRequest({method: req.method ?? 'GET', path: p, query: url.searchParams, headers: req.headers, rawBody: raw})
    state.requests.push({
      method: req.method ?? 'GET',
      path: p,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: check.body,
      filename: check.file?.filename,
    })
    if (!check.op) {
      state.violations.push(check.errors.join('; '))
      return sendText(res, 404, '404 page not found')
    }
    if (check.errors.length) {
      state.violations.push(`${key}: ${check.errors.join('; ')}`)
      return reply(res, check.op, 400, {code: 3, message: `invalid request: ${check.errors.join('; ')}`})
    }
    const [status, body] = route(check.op, check.params, url.searchParams, check.body as Json, check.file)
    return reply(res, check.op, status, body)
  }

  function route(op: SwaggerOperation, params: Record<string, string>, q: URLSearchParams, body: Json, file?: {filename: string; content: Buffer}): [number, Json] {
    const ns = q.get('namespace') ?? undefined
    switch (op.operationId) {
      case 'Healthz_GetHealthz':
      case 'HealthzService_GetHealthz':
        return [200, {multi_user: Boolean(opts.multiUser), pipeline_store: 'database'}]
      case 'PipelineService_ListPipelines':
        return list([...state.pipelines.values()].filter((x) => nsMatch(x, ns)), q, 'pipelines')
      case 'PipelineService_CreatePipeline': {
        if (!body.name && !body.display_name) return err(400, 3, 'pipeline name is required')
        const name = body.name ?? body.display_name
        if ([...state.pipelines.values()].some((x) => x.name === name && nsMatch(x, body.namespace))) return err(409, 6, `pipeline ${name} already exists`)
        const pl = {pipeline_id: newId('pl'), name, display_name: body.display_name ?? name, description: body.description, namespace: body.namespace ?? '', created_at: nowIso()}
        state.pipelines.set(pl.pipeline_id, clean(pl))
        return [200, clean(pl)]
      }
      case 'PipelineService_GetPipelineByName': {
        const pl = [...state.pipelines.values()].find((x) => x.name === params.name && nsMatch(x, ns))
        return pl ? [200, pl] : err(404, 5, `Failed to get a pipeline with name ${params.name}: ResourceNotFoundError`)
      }
      case 'PipelineService_GetPipeline': {
        const pl = state.pipelines.get(params.pipeline_id)
        return pl ? [200, pl] : err(404, 5, `Pipeline ${params.pipeline_id} not found`)
      }
      case 'PipelineService_DeletePipeline': {
        if (!state.pipelines.has(params.pipeline_id)) return err(404, 5, `Pipeline ${params.pipeline_id} not found`)
        const versions = [...state.versions.values()].filter((v) => v.pipeline_id === params.pipeline_id)
        if (versions.length && q.get('cascade') !== 'true') return err(400, 9, `pipeline ${params.pipeline_id} has ${versions.length} versions; delete them first or pass cascade`)
        for (const v of versions) state.versions.delete(v.pipeline_version_id)
        state.pipelines.delete(params.pipeline_id)
        return [200, {}]
      }
      case 'PipelineService_ListPipelineVersions': {
        if (!state.pipelines.has(params.pipeline_id)) return err(404, 5, `Pipeline ${params.pipeline_id} not found`)
        return list([...state.versions.values()].filter((v) => v.pipeline_id === params.pipeline_id), q, 'pipeline_versions')
      }
      case 'PipelineService_GetPipelineVersion': {
        const v = state.versions.get(params.pipeline_version_id)
        return v && v.pipeline_id === params.pipeline_id ? [200, v] : err(404, 5, `PipelineVersion ${params.pipeline_version_id} not found`)
      }
      case 'UploadPipeline':
      case 'UploadPipelineVersion': {
        const spec = parseSpec(file!)
        if ('error' in spec) return err(400, 3, spec.error)
        if (op.operationId === 'UploadPipeline') {
          const name = q.get('name') ?? q.get('display_name') ?? file!.filename
          if ([...state.pipelines.values()].some((x) => x.name === name && nsMatch(x, ns))) return err(409, 6, `pipeline ${name} already exists`)
          const pl = clean({pipeline_id: newId('pl'), name, display_name: q.get('display_name') ?? name, description: q.get('description') ?? undefined, namespace: ns ?? '', created_at: nowIso()})
          state.pipelines.set(pl.pipeline_id, pl)
          addVersion(pl.pipeline_id, name, spec.spec, q.get('description') ?? undefined)
          return [200, pl]
        }
        const pid = q.get('pipelineid')
        if (!pid) return err(400, 3, 'Failed to create a pipeline version: pipeline ID is empty')
        if (!state.pipelines.has(pid)) return err(404, 5, `Pipeline ${pid} not found`)
        const vname = q.get('name') ?? q.get('display_name') ?? file!.filename
        if ([...state.versions.values()].some((v) => v.pipeline_id === pid && v.name === vname)) return err(409, 6, `version ${vname} already exists`)
        return [200, addVersion(pid, vname, spec.spec, q.get('description') ?? undefined)]
      }
      case 'ExperimentService_ListExperiments':
        return list([...state.experiments.values()].filter((x) => nsMatch(x, ns)), q, 'experiments')
      case 'ExperimentService_CreateExperiment': {
        if (!body.display_name) return err(400, 3, 'Experiment display name is required')
        if ([...state.experiments.values()].some((x) => x.display_name === body.display_name && nsMatch(x, body.namespace))) {
          return err(409, 6, `experiment ${body.display_name} already exists`)
        }
        const e = clean({experiment_id: newId('exp'), display_name: body.display_name, description: body.description, namespace: body.namespace ?? '', created_at: nowIso(), storage_state: 'AVAILABLE'})
        state.experiments.set(e.experiment_id, e)
        return [200, e]
      }
      case 'ExperimentService_GetExperiment': {
        const e = state.experiments.get(params.experiment_id)
        return e ? [200, e] : err(404, 5, `Experiment ${params.experiment_id} not found`)
      }
      case 'ExperimentService_ArchiveExperiment': {
        const e = state.experiments.get(params.experiment_id)
        if (!e) return err(404, 5, `Experiment ${params.experiment_id} not found`)
        e.storage_state = 'ARCHIVED'
        return [200, {}]
      }
      case 'RunService_ListRuns': {
        const exp = q.get('experiment_id')
        return list([...state.runs.values()].filter((r) => !exp || r.experiment_id === exp), q, 'runs')
      }
      case 'RunService_CreateRun': {
        if (!body.display_name) return err(400, 3, 'run display_name is required')
        if (!body.pipeline_spec && !body.pipeline_version_reference?.pipeline_id) return err(400, 3, 'a pipeline spec or a pipeline version reference is required')
        const ref = body.pipeline_version_reference
        if (ref) {
          if (!state.pipelines.has(ref.pipeline_id)) return err(404, 5, `Pipeline ${ref.pipeline_id} not found`)
          if (ref.pipeline_version_id && !state.versions.has(ref.pipeline_version_id)) return err(404, 5, `PipelineVersion ${ref.pipeline_version_id} not found`)
        }
        if (body.experiment_id && !state.experiments.has(body.experiment_id)) return err(404, 5, `Experiment ${body.experiment_id} not found`)
        const spec = body.pipeline_spec ?? [...state.versions.values()].find((v) => v.pipeline_version_id === ref?.pipeline_version_id)?.pipeline_spec
        const declared = spec?.root?.inputDefinitions?.parameters ?? {}
        for (const k of Object.keys(body.runtime_config?.parameters ?? {})) {
          if (!(k in declared)) return err(400, 3, `parameter ${k} is not declared by the pipeline`)
        }
        const run = clean({
          run_id: newId('run'),
          experiment_id: body.experiment_id ?? defaultExperiment.experiment_id,
          display_name: body.display_name,
          description: body.description,
          storage_state: 'AVAILABLE',
          pipeline_spec: body.pipeline_spec,
          pipeline_version_reference: ref,
          runtime_config: body.runtime_config ?? {},
          created_at: nowIso(),
          scheduled_at: nowIso(),
          state: 'PENDING',
          state_history: [{update_time: nowIso(), state: 'PENDING'}],
        })
        state.runs.set(run.run_id, run)
        if (state.defaultRunScript && !state.runScripts.has(run.run_id)) state.runScripts.set(run.run_id, structuredClone(state.defaultRunScript))
        return [200, run]
      }
      case 'RunService_GetRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        if (run.state === 'CANCELING') setRunState(run.run_id, 'CANCELED')
        else {
          const script = state.runScripts.get(run.run_id)
          const step = script?.shift()
          if (step && !TERMINAL.has(run.state)) setRunState(run.run_id, step.state, step.tasks)
        }
        return [200, run]
      }
      case 'RunService_TerminateRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        if (!TERMINAL.has(run.state)) setRunState(run.run_id, 'CANCELING')
        return [200, {}]
      }
      case 'RunService_RetryRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        if (run.state !== 'FAILED' && run.state !== 'CANCELED') return err(400, 9, `run ${params.run_id} is ${run.state}; only failed or canceled runs can be retried`)
        setRunState(run.run_id, 'RUNNING')
        delete run.finished_at
        delete run.error
        return [200, {}]
      }
      case 'RunService_ArchiveRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        run.storage_state = 'ARCHIVED'
        return [200, {}]
      }
      default:
        return err(501, 12, `the fake server does not implement ${op.operationId}`)
    }
  }

  function addVersion(pipelineId: string, name: string, spec: Json, description?: string) {
    const v = clean({pipeline_id: pipelineId, pipeline_version_id: newId('ver'), name, display_name: name, description, created_at: nowIso(), pipeline_spec: spec})
    state.versions.set(v.pipeline_version_id, v)
    return v
  }

  function parseSpec(file: {filename: string; content: Buffer}): {spec: Json} | {error: string} {
    // Like the real server: the type comes from the filename.
    if (!/\.(ya?ml|json)$/i.test(file.filename)) return {error: `unexpected pipeline file format: ${file.filename} (the server decides the type from the filename)`}
    try {
      const docs = YAML.parseAllDocuments(file.content.toString('utf8')).map((d) => d.toJS())
      const spec = docs[0]
      if (!spec?.pipelineInfo || !spec?.root || spec.schemaVersion !== '2.1.0') return {error: 'the file is not a KFP v2 PipelineSpec (schemaVersion 2.1.0)'}
      if (!/^[a-z0-9.-]+$/.test(spec.pipelineInfo.name ?? '')) return {error: 'pipelineInfo.name must be lowercase alphanumerics, - or .'}
      return {spec}
    } catch (error) {
      return {error: `invalid YAML: ${error}`}
    }
  }

  function list(items: Json[], q: URLSearchParams, field: string): [number, Json] {
    let xs = items
    const f = q.get('filter')
    if (f) {
      for (const pr of JSON.parse(f).predicates ?? []) {
        const v = pr.string_value ?? pr.stringValue
        if (pr.operation === 'EQUALS' || pr.operation === 1) xs = xs.filter((x) => String(x[pr.key]) === v)
        if (pr.operation === 'NOT_EQUALS' || pr.operation === 2) xs = xs.filter((x) => String(x[pr.key]) !== v)
        if (pr.operation === 'IS_SUBSTRING' || pr.operation === 9) xs = xs.filter((x) => String(x[pr.key] ?? '').includes(v))
      }
    }
    const sort = q.get('sort_by')
    if (sort) {
      const [k, dir] = sort.split(/\s+/)
      xs = [...xs].sort((a, b) => String(a[k]).localeCompare(String(b[k])) * (dir === 'desc' ? -1 : 1))
    }
    const size = Number(q.get('page_size') ?? 20)
    const start = Number(q.get('page_token') ?? 0)
    const page = xs.slice(start, start + size)
    const out: Json = {total_size: xs.length}
    if (page.length) out[field] = page
    if (start + size < xs.length) out.next_page_token = String(start + size)
    return [200, out]
  }

  function reply(res: http.ServerResponse, op: SwaggerOperation, status: number, body: Json) {
    const problems = state.validator.validateResponse(op, status === 200 ? 200 : status, body)
    if (problems.length) state.violations.push(...problems)
    sendJson(res, status, body)
  }
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port
      resolve(
        Object.assign(state, {
          url: `http://127.0.0.1:${port}${base}`,
          inject: (i: Injection) => void injections.push({...i}),
          setRunState,
          close: () =>
            new Promise<void>((r) => {
              server.closeAllConnections()
              server.close(() => r())
            }),
        }),
      )
    })
  })
}

const nsMatch = (x: Json, ns: string | undefined) => !ns || (x.namespace ?? '') === ns
const err = (status: number, code: number, message: string): [number, Json] => [status, {code, message, details: []}]
function clean(o: Json): Json {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}
function sendJson(res: http.ServerResponse, status: number, body: Json) {
  res.writeHead(status, {'content-type': 'application/json'})
  res.end(JSON.stringify(body))
}
function sendStatus(res: http.ServerResponse, status: number, body: Json) {
  sendJson(res, status, {...body, details: []})
}
function sendText(res: http.ServerResponse, status: number, text: string, ct = 'text/plain; charset=utf-8') {
  res.writeHead(status, {'content-type': ct})
  res.end(text)
}
