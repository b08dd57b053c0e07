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
 *
 * Server behaviours modelled (each where it is implemented, with the kubeflow/pipelines file and function):
 * multi-user namespaces and authorization (`multiUser`, `access`), the upload endpoints' own error shape and 32 MiB
 * limit, an older server (`older`: 2.5-like, before `cascade` and before the `name` field), recurring runs, and a
 * token that can be rotated mid-test (`setToken`, for token expiry).
 * A run's steps are shown as a real server shows them (test/helpers/fake-run-model.ts): task_details built from Argo
 * nodes with retry wrappers, no pod names and no errors; ML Metadata over gRPC-web (test/helpers/fake-mlmd.ts) with
 * executions, outputs, cache hits and `executor-logs` artifacts; the UI server's `/k8s/pod/logs` and `/artifacts/get`.
 */
import http from 'node:http'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import YAML from 'yaml'
import {SwaggerValidator, type SwaggerOperation} from './swagger-validator.js'
import {createFakeMlmd, type FakeMlmd} from './fake-mlmd.js'
import {checkRunSpec} from './fake-spec-check.js'
import {argoNodes, newRunModel, recordSteps, taskDetailsOf, type FakePod, type FakeTask, type RunModel} from './fake-run-model.js'

export type {FakeTask} from './fake-run-model.js'

type Json = any

export interface RunStep {
  state: string
  tasks?: FakeTask[]
  /** Runs when this step is applied (e.g. rotate the token: `() => server.setToken('new')`). */
  then?: () => void
}

export interface Injection {
  /** Only requests whose `METHOD path` matches (default: all; ML Metadata calls only for 'mlmd-down'). */
  match?: RegExp
  /** 'mlmd-down': ML Metadata calls (`POST /ml_metadata.MetadataStoreService/…`) answered as when MLMD is unreachable. */
  kind: '401' | '403' | 'login' | '503' | 'slow' | '404-text' | 'mlmd-down'
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
  /** healthz `multi_user: true`, with the multi-user checks of the API server (see `authorize`). */
  multiUser?: boolean
  /**
   * Multi-user authorization (backend/src/apiserver/resource/resource_manager.go `IsAuthorized`, a SubjectAccessReview):
   * identity → namespaces it may use. The identity is the `kubeflow-userid` header (manifests' USERID_HEADER, no
   * prefix) or, for `authorization: Bearer T`, `tokenUsers[T]` (a TokenReview, auth/authenticator_token_review.go).
   * `kubeflow` is the server's own namespace (shared pipelines). Unset: everyone may do everything.
   */
  access?: Record<string, string[]>
  tokenUsers?: Record<string, string>
  /**
   * A server before 2.14/2.15: `DELETE /pipelines/{id}` ignores `cascade` (unknown query fields are dropped by
   * grpc-gateway) and refuses a pipeline that has versions; pipelines and versions carry no `name` (added by #11952 in
   * 2.14.0), name lookups match the display name.
   */
  older?: boolean
  /** Largest accepted upload (backend/src/apiserver/common/const.go MaxFileLength = 32 << 20). */
  maxUploadBytes?: number
  tagName?: string
  /**
   * Argo retry wrappers on every template (default true: on master the manifests' workflow-controller configmap patch
   * gives every template a retry strategy; with false, only steps' own `retries` would add them).
   */
  argoRetries?: boolean
  /**
   * The persistence agent reports the workflow while it terminates, so CANCELING reaches state_history
   * (backend/src/apiserver/resource/resource_manager.go ReportWorkflowResource, IsTerminating). Default false:
   * TerminateRun itself sets the state without a history entry (storage/run_store.go TerminateRun).
   */
  reportTerminating?: boolean
  /**
   * The UI's archive key format (frontend/server/configs.ts ARGO_KEYFORMAT) matches the workflow controller's, so
   * `/k8s/pod/logs` finds archived logs of a finished run, given `createdat`. Default false, as on an unmodified install.
   */
  archiveKeyMatches?: boolean
  /** Serve HTTPS with this key and certificate (PEM), as a Kubeflow ingress or an https port-forward does. */
  tls?: {key: string; cert: string}
  /**
   * The API server's database. 'mysql' (default, as the manifests install it): a run's description longer than 255
   * characters fails CreateRun with 500 (model/run.go Run.Description has no size; client_manager.go InitDBClient
   * opens MySQL with DefaultStringSize 255, a VARCHAR(255); storage/run_store.go CreateRun "Failed to store run %v to
   * table"). 'postgres' (client_manager.go: postgres.Open, no default size): the description is text, kept whole.
   */
  database?: 'mysql' | 'postgres'
}

export interface FakeKfpServer {
  url: string
  /** The options it was started with (tests may change the modelled behaviour between steps). */
  options: FakeKfpOptions
  validator: SwaggerValidator
  violations: string[]
  requests: Array<{method: string; path: string; query: Record<string, string>; headers: Record<string, unknown>; body?: unknown; filename?: string}>
  pipelines: Map<string, Json>
  versions: Map<string, Json>
  experiments: Map<string, Json>
  runs: Map<string, Json>
  /** Requests refused for a wrong or missing bearer token (not in `requests`). */
  authRefusals: Array<{method: string; path: string}>
  recurringRuns: Map<string, Json>
  /** ML Metadata (executions, artifacts, contexts), served at /ml_metadata.MetadataStoreService/*. */
  mlmd: FakeMlmd
  /** The artifact store by URI (what the UI server reads); `onObject` mirrors writes to a GCS emulator or S3 stand-in. */
  objects: Map<string, Buffer>
  onObject?: (uri: string, data: Buffer) => void
  /** Live step pods by name (the launcher pods; they go away with `endRun`). */
  pods: Map<string, FakePod>
  /** Per run: the Argo workflow name and what was recorded. */
  models: Map<string, RunModel>
  /** Per run: steps applied one by one on each GET of that run. */
  runScripts: Map<string, RunStep[]>
  /** Script given to every new run (copied), unless runScripts has one. */
  defaultRunScript?: RunStep[]
  inject(i: Injection): void
  setRunState(runId: string, state: string, tasks?: FakeTask[]): void
  /** The bearer token the server accepts from now on (an expired token then gets 401). */
  setToken(token: string): void
  /** The run's pods and workflow go away (garbage collection after the run's TTL): only archived logs remain. */
  endRun(runId: string): void
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
  let acceptedToken = opts.token
  const maxUpload = opts.maxUploadBytes ?? 32 << 20
  const state: Omit<FakeKfpServer, 'url' | 'close' | 'inject' | 'setRunState' | 'setToken' | 'endRun'> = {
    options: opts,
    validator,
    violations: [],
    requests: [],
    pipelines: new Map(),
    versions: new Map(),
    experiments: new Map(),
    runs: new Map(),
    recurringRuns: new Map(),
    mlmd: createFakeMlmd(),
    objects: new Map(),
    pods: new Map(),
    models: new Map(),
    authRefusals: [],
    runScripts: new Map(),
  }
  /** The last task list of each run (steps keep their state when a later update does not name them). */
  const runTasks = new Map<string, FakeTask[]>()
  const gone = new Set<string>()
  const defaultExperiment = {experiment_id: newId('exp'), display_name: 'Default', namespace: '', created_at: nowIso(), storage_state: 'AVAILABLE'}
  state.experiments.set(defaultExperiment.experiment_id, defaultExperiment)

  /**
   * The persistence agent's report of the workflow (ReportWorkflowResource → RunStore.UpdateRun): the state, a
   * state_history entry when the state changed, finished_at at the end; `error` is never set (toApiRun). With tasks,
   * the Argo nodes become task_details and the driver/launcher records go to MLMD and the bucket.
   */
  function setRunState(runId: string, s: string, tasks?: FakeTask[]) {
    const run = state.runs.get(runId)
    if (!run) throw new Error(`no run ${runId}`)
    run.state = s
    if (run.state_history?.at(-1)?.state !== s) run.state_history = [...(run.state_history ?? []), {update_time: nowIso(), state: s}]
    if (TERMINAL.has(s)) run.finished_at = nowIso()
    const model = state.models.get(runId)!
    if (tasks) {
      const byName = new Map((runTasks.get(runId) ?? []).map((t) => [t.display_name, t]))
      for (const t of tasks) byName.set(t.display_name, {...byName.get(t.display_name), ...t})
      runTasks.set(runId, [...byName.values()])
      const earlier = [...state.models.entries()].filter(([id]) => id !== runId).map(([, m]) => m)
      recordSteps(state, model, runId, tasks, earlier)
    }
    const all = runTasks.get(runId)
    if (all?.length) run.run_details = {...run.run_details, task_details: taskDetailsOf(runId, argoNodes(model, s, all, opts.argoRetries !== false))}
  }

  /** TerminateWorkflow took effect: Argo fails the running nodes; their MLMD executions stay RUNNING. */
  function finishTermination(runId: string) {
    const killed = (runTasks.get(runId) ?? []).map((t) => (t.state === 'RUNNING' || t.state === 'PENDING' ? {...t, state: t.state === 'RUNNING' ? 'FAILED' : 'SKIPPED'} : t))
    runTasks.set(runId, killed)
    setRunState(runId, 'FAILED')
  }

  function endRun(runId: string) {
    gone.add(runId)
    for (const [name, pod] of state.pods) if (pod.runId === runId) state.pods.delete(name)
  }

  const listener: http.RequestListener = (req, res) => {
    // ML Metadata: gRPC-web, proxied by the UI server at its root (frontend/server/app.ts `app.all('/ml_metadata.*',
    // createProxyMiddleware({target: envoyServiceAddress}))`). That proxy calls no authorizeFn and checks no header:
    // the UI server passes every /ml_metadata.* request to Envoy as it is. What stops an anonymous caller in a real
    // deployment is the ingress in front of the UI (Istio + oauth2-proxy/Dex on Kubeflow, IAP on GCP), which is
    // what the token and cookie checks below stand for; MLMD itself has no per-user access control.
    if ((req.url ?? '').startsWith('/ml_metadata.')) {
      state.requests.push({method: req.method ?? 'POST', path: (req.url ?? '').split('?')[0], query: {}, headers: req.headers})
      const key = `${req.method} ${(req.url ?? '').split('?')[0]}`
      const inj = injections.find((i) => i.kind === 'mlmd-down' && (i.times ?? 1) > 0 && (!i.match || i.match.test(key)))
      if (inj) {
        // The metadata gRPC server is unreachable. Envoy
        // (metadata-envoy, behind the UI proxy) answers a gRPC-web call it cannot forward with a trailers-only
        // response: HTTP 200, grpc-status 14 (UNAVAILABLE) and its reason, no body (as seen in grpc/grpc-web#465).
        inj.times = (inj.times ?? 1) - 1
        req.resume()
        res.writeHead(200, {
          'content-type': 'application/grpc-web+proto',
          'grpc-status': '14',
          'grpc-message': 'upstream connect error or disconnect/reset before headers. reset reason: connection failure',
          'content-length': '0',
        })
        return void res.end()
      }
      if (acceptedToken !== undefined && req.headers.authorization !== `Bearer ${acceptedToken}`) return sendText(res, 401, 'Jwt is missing')
      if (opts.cookie !== undefined && req.headers.cookie !== opts.cookie) {
        res.writeHead(302, {location: '/dex/auth', 'content-type': 'text/html'})
        return void res.end('<a href="/dex/auth">Found</a>.')
      }
      return state.mlmd.handle(req, res)
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handle(req, Buffer.concat(chunks), res).catch((error) => {
        state.violations.push(`fake server crashed: ${error?.stack ?? error}`)
        if (!res.headersSent) res.writeHead(500, {'content-type': 'application/json'})
        res.end(JSON.stringify({code: 13, message: String(error)}))
      })
    })
  }
  const server = opts.tls ? https.createServer({key: opts.tls.key, cert: opts.tls.cert}, listener) : http.createServer(listener)

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
    const inj = injections.find((i) => i.kind !== 'mlmd-down' && (i.times ?? 1) > 0 && (!i.match || i.match.test(key)))
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
    if (acceptedToken !== undefined && req.headers.authorization !== `Bearer ${acceptedToken}`) {
      checkOnly()
      state.authRefusals.push({method: req.method ?? 'GET', path: p})
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
    if (p === '/k8s/pod/logs' && req.method === 'GET') return podLogs(req, url, res)
    if (p === '/artifacts/get' && req.method === 'GET') return readArtifact(req, url, res)
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
    const [status, body] = route(check.op, check.params, url.searchParams, check.body as Json, check.file, identityOf(req))
    return reply(res, check.op, status, body)
  }

  /**
   * Who is calling, as the multi-user API server sees it: backend/src/apiserver/auth/auth.go GetAuthenticators tries
   * HTTPHeaderAuthenticator.GetUserIdentity (authenticator_http_headers.go; the header is KUBEFLOW_USERID_HEADER,
   * which Kubeflow's manifests set to kubeflow-userid with an empty prefix, the code's default being IAP's
   * x-goog-authenticated-user-email with `accounts.google.com:`), then TokenReviewAuthenticator.GetUserIdentity
   * (authenticator_token_review.go: the bearer token through a TokenReview; here `tokenUsers` plays the TokenReview).
   */
  function identityOf(req: http.IncomingMessage): string | undefined {
    const header = req.headers['kubeflow-userid']
    if (typeof header === 'string' && header) return header
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1]
    return bearer ? opts.tokenUsers?.[bearer] : undefined
  }

  /**
   * Multi-user authorization of `verb` in `namespace` (resource_manager.go `IsAuthorized`): 401 without an identity,
   * 403 when the identity has no access there. Single-user servers skip it (`common.IsMultiUserMode()`).
   */
  function authorize(who: string | undefined, namespace: string, verb: string, resource: string): [number, Json] | undefined {
    if (!opts.multiUser || !opts.access) return undefined
    if (!who) return err(401, 16, 'Failed to authorize with API: Unauthenticated: Request header error: there is no user identity header.')
    if (opts.access[who]?.includes(namespace)) return undefined
    return err(403, 7, `Failed to authorize with API: PermissionDenied: User '${who}' is not authorized with reason: (request: &ResourceAttributes{Namespace:${namespace},Verb:${verb},Group:pipelines.kubeflow.org,Resource:${resource}})`)
  }

  /** In multi-user mode an experiment or run needs a namespace (experiment_server.go / run_server.go `canAccess…`). */
  function needNamespace(ns: string | undefined, what: 'experiment' | 'run'): [number, Json] | undefined {
    if (!opts.multiUser || ns) return undefined
    return err(400, 3, `Failed to authorize with API: Invalid input error: A${what === 'experiment' ? 'n experiment' : ' run'} cannot have an empty namespace in multi-user mode`)
  }

  /** Pipelines as an older server shows them: no `name` field (before #11952). */
  function shown(x: Json): Json {
    if (!opts.older || !x) return x
    const {name: _name, ...rest} = x
    return rest
  }
  const nameOf = (x: Json) => (opts.older ? x.display_name : x.name)

  function route(
    op: SwaggerOperation,
    params: Record<string, string>,
    q: URLSearchParams,
    body: Json,
    file: {filename: string; content: Buffer} | undefined,
    who: string | undefined,
  ): [number, Json] {
    const ns = q.get('namespace') ?? undefined
    const nsMatch = (x: Json, want: string | undefined) => (opts.multiUser ? (x.namespace ?? '') === (want ?? '') : !want || (x.namespace ?? '') === want)
    switch (op.operationId) {
      case 'Healthz_GetHealthz':
      case 'HealthzService_GetHealthz':
        return [200, {multi_user: Boolean(opts.multiUser), pipeline_store: 'database'}]
      case 'PipelineService_ListPipelines':
        return list([...state.pipelines.values()].filter((x) => nsMatch(x, ns)).map(shown), q, 'pipelines')
      case 'PipelineService_CreatePipeline': {
        if (!body.name && !body.display_name) return err(400, 3, 'pipeline name is required')
        // pipeline_server.go `createPipeline` → `canAccessPipeline`: a shared pipeline (no namespace) is a write in the
        // server's own namespace (POD_NAMESPACE), unlike the multipart upload.
        const denied = opts.multiUser ? authorize(who, body.namespace || 'kubeflow', 'create', 'pipelines') : undefined
        if (denied) return denied
        const name = body.name ?? body.display_name
        if ([...state.pipelines.values()].some((x) => x.name === name && nsMatch(x, body.namespace))) return err(409, 6, `pipeline ${name} already exists`)
        const pl = {pipeline_id: newId('pl'), name, display_name: body.display_name ?? name, description: body.description, namespace: body.namespace ?? '', created_at: nowIso()}
        state.pipelines.set(pl.pipeline_id, clean(pl))
        return [200, clean(pl)]
      }
      case 'PipelineService_GetPipelineByName': {
        const pl = [...state.pipelines.values()].find((x) => nameOf(x) === params.name && nsMatch(x, ns))
        return pl ? [200, shown(pl)] : err(404, 5, `Failed to get a pipeline with name ${params.name}: ResourceNotFoundError`)
      }
      case 'PipelineService_GetPipeline': {
        const pl = state.pipelines.get(params.pipeline_id)
        return pl ? [200, shown(pl)] : err(404, 5, `Pipeline ${params.pipeline_id} not found`)
      }
      case 'PipelineService_DeletePipeline': {
        const pl = state.pipelines.get(params.pipeline_id)
        if (!pl) return err(404, 5, `Pipeline ${params.pipeline_id} not found`)
        const denied = authorize(who, pl.namespace || 'kubeflow', 'delete', 'pipelines')
        if (denied) return denied
        const versions = [...state.versions.values()].filter((v) => v.pipeline_id === params.pipeline_id)
        // resource_manager.go `DeletePipeline`: without cascade a pipeline with versions is refused. An older server
        // has no `cascade` and drops the unknown query field (grpc-gateway), so it always refuses.
        if (versions.length && (opts.older || q.get('cascade') !== 'true')) {
          return err(400, 3, `Failed to delete pipeline ${params.pipeline_id}. Check error stack: Failed to delete pipeline with id ${params.pipeline_id} as it has existing pipeline versions (e.g. ${versions[0].pipeline_version_id})`)
        }
        for (const v of versions) state.versions.delete(v.pipeline_version_id)
        state.pipelines.delete(params.pipeline_id)
        return [200, {}]
      }
      case 'PipelineService_ListPipelineVersions': {
        if (!state.pipelines.has(params.pipeline_id)) return err(404, 5, `Pipeline ${params.pipeline_id} not found`)
        return list([...state.versions.values()].filter((v) => v.pipeline_id === params.pipeline_id).map(shown), q, 'pipeline_versions')
      }
      case 'PipelineService_GetPipelineVersion': {
        const v = state.versions.get(params.pipeline_version_id)
        return v && v.pipeline_id === params.pipeline_id ? [200, shown(v)] : err(404, 5, `PipelineVersion ${params.pipeline_version_id} not found`)
      }
      case 'PipelineService_DeletePipelineVersion': {
        const v = state.versions.get(params.pipeline_version_id)
        if (!v || v.pipeline_id !== params.pipeline_id) return err(404, 5, `PipelineVersion ${params.pipeline_version_id} not found`)
        const denied = authorize(who, state.pipelines.get(v.pipeline_id)?.namespace || 'kubeflow', 'delete', 'pipelines')
        if (denied) return denied
        state.versions.delete(v.pipeline_version_id)
        return [200, {}]
      }
      case 'UploadPipeline':
      case 'UploadPipelineVersion': {
        // pipeline_upload_server.go: `ReadPipelineFile(…, common.MaxFileLength)` fails on more than 32 MiB, with the
        // same message as any unreadable file.
        if (file!.content.length > maxUpload) return uploadErr(400, 'Failed to read a pipeline spec file', `file size exceeds the limit of ${maxUpload} bytes`)
        const spec = parseSpec(file!)
        if ('error' in spec) return uploadErr(400, 'Failed to read a pipeline spec file', spec.error)
        if (op.operationId === 'UploadPipeline') {
          // `uploadPipeline` → `canUploadVersionedPipeline`: no namespace (a shared pipeline) skips the check; a
          // refusal is answered 400 "Failed to create a pipeline", not 403.
          if (ns && authorize(who, ns, 'create', 'pipelines')) return uploadErr(400, 'Failed to create a pipeline', 'PermissionDenied: authorization failed')
          const name = q.get('name') ?? q.get('display_name') ?? file!.filename
          if ([...state.pipelines.values()].some((x) => x.name === name && nsMatch(x, ns))) return uploadErr(409, 'Failed to create a pipeline and a pipeline version', `pipeline ${name} already exists`)
          const pl = clean({pipeline_id: newId('pl'), name, display_name: q.get('display_name') ?? name, description: q.get('description') ?? undefined, namespace: ns ?? '', created_at: nowIso()})
          state.pipelines.set(pl.pipeline_id, pl)
          addVersion(pl.pipeline_id, name, spec.spec, q.get('description') ?? undefined)
          return [200, shown(pl)]
        }
        const pid = q.get('pipelineid')
        if (!pid) return uploadErr(400, 'Failed to create a pipeline version', 'pipeline ID is empty')
        const parent = state.pipelines.get(pid)
        if (!parent) return uploadErr(400, 'Failed to create a pipeline version', `Pipeline ${pid} not found`)
        // `uploadPipelineVersion`: the namespace is the parent's; a shared parent skips the check.
        if (parent.namespace && authorize(who, parent.namespace, 'create', 'pipelines')) return uploadErr(400, 'Failed to create a pipeline version', 'PermissionDenied: authorization failed')
        const vname = q.get('name') ?? q.get('display_name') ?? file!.filename
        if ([...state.versions.values()].some((v) => v.pipeline_id === pid && v.name === vname)) return uploadErr(409, 'Failed to create a pipeline version', `version ${vname} already exists`)
        return [200, shown(addVersion(pid, vname, spec.spec, q.get('description') ?? undefined))]
      }
      case 'ExperimentService_ListExperiments': {
        const refused = needNamespace(ns, 'experiment') ?? (ns ? authorize(who, ns, 'list', 'experiments') : undefined)
        if (refused) return refused
        return list([...state.experiments.values()].filter((x) => nsMatch(x, ns)), q, 'experiments')
      }
      case 'ExperimentService_CreateExperiment': {
        if (!body.display_name) return err(400, 3, 'Experiment display name is required')
        const refused = needNamespace(body.namespace, 'experiment') ?? (body.namespace ? authorize(who, body.namespace, 'create', 'experiments') : undefined)
        if (refused) return refused
        if ([...state.experiments.values()].some((x) => x.display_name === body.display_name && nsMatch(x, body.namespace))) {
          return err(409, 6, `experiment ${body.display_name} already exists`)
        }
        // storage/experiment_store.go CreateExperiment: model/experiment.go Experiment.Description, VARCHAR(255) on MySQL.
        const tooLongExp = descriptionTooLong(body.description, 'Failed to add experiment to experiment table')
        if (tooLongExp) return tooLongExp
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
        const runNs = exp ? state.experiments.get(exp)?.namespace : ns
        const refused = needNamespace(runNs, 'run') ?? (runNs ? authorize(who, runNs, 'list', 'runs') : undefined)
        if (refused) return refused
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
        // run_server.go `createRun`: the run's namespace is its experiment's; none in multi-user mode is refused.
        const runNs = body.experiment_id ? state.experiments.get(body.experiment_id).namespace : ''
        const refused = needNamespace(runNs, 'run') ?? (runNs ? authorize(who, runNs, 'create', 'runs') : undefined)
        if (refused) return refused
        // An inline spec is parsed and compiled as the server does (test/helpers/fake-spec-check.ts).
        if (body.pipeline_spec) {
          const verdict = checkRunSpec(body.pipeline_spec.pipeline_spec ?? body.pipeline_spec)
          if (verdict.status) {
            state.violations.push(`CreateRun: the server refuses this spec: ${verdict.message}`)
            return err(verdict.status, verdict.status === 400 ? 3 : 13, `Failed to create a run: ${verdict.message}`)
          }
          for (const r of verdict.runtime) state.violations.push(`CreateRun: the run would fail once started: ${r}`)
        }
        const spec = body.pipeline_spec ?? [...state.versions.values()].find((v) => v.pipeline_version_id === ref?.pipeline_version_id)?.pipeline_spec
        const declared = spec?.root?.inputDefinitions?.parameters ?? {}
        for (const k of Object.keys(body.runtime_config?.parameters ?? {})) {
          if (!(k in declared)) return err(400, 3, `parameter ${k} is not declared by the pipeline`)
        }
        const tooLong = descriptionTooLong(body.description, `Failed to store run ${body.display_name} to table`)
        if (tooLong) {
          // kfp writes a run's description itself (--start-step): one it sends too long is a violation.
          state.violations.push(`CreateRun: a description of ${[...body.description].length} characters does not fit run_details.Description (VARCHAR(255) on MySQL)`)
          return tooLong
        }
        const runId = newId('run')
        const expNs = state.experiments.get(body.experiment_id ?? '')?.namespace
        state.models.set(
          runId,
          newRunModel({
            pipelineName: spec?.pipeline_spec?.pipelineInfo?.name ?? spec?.pipelineInfo?.name ?? 'pipeline',
            // The run's root, else the spec's, else the server's default (minio, as `kfp deploy` installs it).
            pipelineRoot: body.runtime_config?.pipeline_root || spec?.defaultPipelineRoot || 'minio://mlpipeline/v2/artifacts',
            namespace: expNs || 'kubeflow',
          }),
        )
        const run = clean({
          run_id: runId,
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
        if (state.defaultRunScript && !state.runScripts.has(run.run_id)) state.runScripts.set(run.run_id, state.defaultRunScript.map((st) => ({...st, tasks: st.tasks && structuredClone(st.tasks)})))
        return [200, run]
      }
      case 'RunService_GetRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        if (run.state === 'CANCELING') {
          // CANCELED is never set: the terminated workflow ends Failed, and the report makes the run FAILED.
          if (opts.reportTerminating && run.state_history?.at(-1)?.state !== 'CANCELING') setRunState(run.run_id, 'CANCELING')
          else finishTermination(run.run_id)
        } else {
          const script = state.runScripts.get(run.run_id)
          const step = script?.shift()
          if (step && !TERMINAL.has(run.state)) {
            setRunState(run.run_id, step.state, step.tasks)
            step.then?.()
          }
        }
        return [200, run]
      }
      case 'RunService_TerminateRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        // RunStore.TerminateRun: only a PAUSED/PENDING/RUNNING/unspecified run, state CANCELING, no history entry.
        if (TERMINAL.has(run.state) || run.state === 'CANCELING') return err(400, 3, `Failed to terminate a run ${run.run_id}. Row not found`)
        run.state = 'CANCELING'
        state.runScripts.delete(run.run_id)
        return [200, {}]
      }
      case 'RunService_RetryRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        if (run.state !== 'FAILED' && run.state !== 'CANCELED') return err(400, 9, `run ${params.run_id} is ${run.state}; only failed or canceled runs can be retried`)
        setRunState(run.run_id, 'RUNNING')
        delete run.finished_at
        return [200, {}]
      }
      case 'RunService_ArchiveRun': {
        const run = state.runs.get(params.run_id)
        if (!run) return err(404, 5, `Run ${params.run_id} not found`)
        run.storage_state = 'ARCHIVED'
        return [200, {}]
      }
      case 'RecurringRunService_CreateRecurringRun':
        return createRecurringRun(body, who)
      case 'RecurringRunService_ListRecurringRuns': {
        const exp = q.get('experiment_id')
        const rrNs = exp ? state.experiments.get(exp)?.namespace : ns
        const refused = needNamespace(rrNs, 'run') ?? (rrNs ? authorize(who, rrNs, 'list', 'jobs') : undefined)
        if (refused) return refused
        const all = [...state.recurringRuns.values()].filter((r) => (!exp || r.experiment_id === exp) && (!opts.multiUser || r.namespace === rrNs))
        // The response field is `recurringRuns` (the proto field's own name; the server marshals with UseProtoNames).
        return list(all, q, 'recurringRuns')
      }
      case 'RecurringRunService_GetRecurringRun':
      case 'RecurringRunService_DeleteRecurringRun':
      case 'RecurringRunService_EnableRecurringRun':
      case 'RecurringRunService_DisableRecurringRun': {
        const rr = state.recurringRuns.get(params.recurring_run_id)
        if (!rr) return err(404, 5, `Failed to get a recurring run: ResourceNotFoundError: RecurringRun ${params.recurring_run_id} not found`)
        const denied = rr.namespace ? authorize(who, rr.namespace, op.operationId.includes('Get') ? 'get' : 'update', 'jobs') : undefined
        if (denied) return denied
        if (op.operationId === 'RecurringRunService_GetRecurringRun') return [200, rr]
        if (op.operationId === 'RecurringRunService_DeleteRecurringRun') state.recurringRuns.delete(rr.recurring_run_id)
        else {
          const on = op.operationId === 'RecurringRunService_EnableRecurringRun'
          Object.assign(rr, {status: on ? 'ENABLED' : 'DISABLED', mode: on ? 'ENABLE' : 'DISABLE', updated_at: nowIso()})
        }
        return [200, {}]
      }
      default:
        return err(501, 12, `the fake server does not implement ${op.operationId}`)
    }
  }

  /**
   * On MySQL (opts.database), a Description over 255 characters: the insert fails and the store answers 500 with the
   * driver's error after its own words (go-sql-driver/mysql: `Error 1406 (22001): Data too long for column …`); see
   * `database` above.
   */
  function descriptionTooLong(description: string | undefined, storeMessage: string): [number, Json] | undefined {
    if ((opts.database ?? 'mysql') !== 'mysql' || [...(description ?? '')].length <= 255) return undefined
    return err(500, 13, `${storeMessage}: Error 1406 (22001): Data too long for column 'Description' at row 1`)
  }

  /**
   * CreateRecurringRun as backend/src/apiserver/server/api_converter.go `toModelJob` checks it: a display name, max
   * concurrency in [1, 10] (unset is 0, so refused), a cron robfig/cron v1 `cron.Parse` accepts (seconds first), an
   * interval of at least 1 s; `mode` unset means disabled (`toModelJobEnabled`). The namespace is the experiment's.
   */
  function createRecurringRun(body: Json, who: string | undefined): [number, Json] {
    if (!body.display_name) return err(400, 3, "Recurring run's name cannot be empty")
    const maxConcurrency = Number(body.max_concurrency ?? 0)
    if (maxConcurrency < 1 || maxConcurrency > 10) {
      return err(400, 3, `Max concurrency of a recurring run must be at least 1 and at most 10. Received ${maxConcurrency}`)
    }
    const cron = body.trigger?.cron_schedule?.cron
    if (cron !== undefined && !robfigCronV1Parses(cron)) {
      return err(400, 3, `Schedule cron is not a supported format(https://godoc.org/github.com/robfig/cron). Error: ${cron}`)
    }
    const interval = body.trigger?.periodic_schedule?.interval_second
    if (interval !== undefined && Number(interval) < 1) return err(400, 3, `Found invalid period schedule interval ${interval}. Set at interval to least 1 second`)
    if (!body.trigger?.cron_schedule && !body.trigger?.periodic_schedule) return err(400, 3, 'Failed to convert a API recurring run: trigger is required')
    const ref = body.pipeline_version_reference
    if (!body.pipeline_spec && !ref?.pipeline_id) return err(400, 3, 'a pipeline spec or a pipeline version reference is required')
    if (ref?.pipeline_version_id && !state.versions.has(ref.pipeline_version_id)) return err(404, 5, `PipelineVersion ${ref.pipeline_version_id} not found`)
    if (body.experiment_id && !state.experiments.has(body.experiment_id)) return err(404, 5, `Experiment ${body.experiment_id} not found`)
    const rrNs = body.experiment_id ? state.experiments.get(body.experiment_id).namespace : ''
    const refused = needNamespace(rrNs, 'run') ?? (rrNs ? authorize(who, rrNs, 'create', 'jobs') : undefined)
    if (refused) return refused
    // storage/job_store.go CreateJob ("Failed to store job %v to table"): model/job.go Job.Description, VARCHAR(255) on MySQL.
    const tooLong = descriptionTooLong(body.description, `Failed to store job ${body.display_name} to table`)
    if (tooLong) return tooLong
    const on = body.mode === 'ENABLE'
    const rr = clean({
      ...body,
      recurring_run_id: newId('rr'),
      experiment_id: body.experiment_id ?? defaultExperiment.experiment_id,
      mode: on ? 'ENABLE' : 'DISABLE',
      status: on ? 'ENABLED' : 'DISABLED',
      namespace: rrNs || undefined,
      created_at: nowIso(),
      updated_at: nowIso(),
    })
    state.recurringRuns.set(rr.recurring_run_id, rr)
    return [200, rr]
  }

  /** Who the UI server's authorize() sees (frontend/server/helpers/auth.ts): the kubeflow-userid header (Istio sets it from a session). */
  const userOf = (req: http.IncomingMessage) => (req.headers['kubeflow-userid'] as string | undefined) ?? (opts.cookie !== undefined ? 'user@example.com' : undefined)

  /**
   * The UI server's pod log handler (frontend/server/handlers/pod-logs.ts getPodLogsHandler): podname required (400);
   * in multi-user mode podnamespace required (422) and access checked for the kubeflow-userid user (403). Then, in
   * order (workflow-helper.ts): the live pod from Kubernetes; the log archived in the workflow's status while the
   * workflow exists; the archive by ARGO_KEYFORMAT, whose date comes from `createdat` (YYYY-MM-DD).
   */
  function podLogs(req: http.IncomingMessage, url: URL, res: http.ServerResponse) {
    const q = url.searchParams
    state.requests.push({method: 'GET', path: '/k8s/pod/logs', query: Object.fromEntries(q), headers: req.headers})
    const name = q.get('podname')
    if (!name) return sendText(res, 400, 'podname argument is required')
    const ns = q.get('podnamespace') || undefined
    if (opts.multiUser && !ns) return sendText(res, 422, 'podnamespace argument is required')
    if (opts.multiUser && !userOf(req)) return sendText(res, 403, 'Access denied to namespace')
    const pod = state.pods.get(name)
    if (pod && (!ns || pod.namespace === ns)) return sendText(res, 200, pod.log)
    const archived = archivedLog(name)
    if (archived && !gone.has(archived.runId)) return sendText(res, 200, archived.log)
    const createdAt = q.get('createdat') ?? ''
    if (archived && opts.archiveKeyMatches && /^\d{4}-\d{2}-\d{2}$/.test(createdAt) && archived.createdAt.startsWith(createdAt)) return sendText(res, 200, archived.log)
    return sendText(res, 500, `Could not get main container logs: S3Error: The specified key does not exist. (artifacts/${name})`)
  }
  const archivedLog = (pod: string) => {
    for (const [runId, m] of state.models) {
      for (const [path, t] of m.tasks) {
        if (t.podName !== pod) continue
        const task = (runTasks.get(runId) ?? []).find((x) => x.display_name === path)
        return {runId, log: task?.log ?? '', createdAt: state.runs.get(runId)?.created_at ?? ''}
      }
    }
    return undefined
  }

  /**
   * The UI server's `/artifacts/get?source=&bucket=&key=&namespace=&peek=`. First the auth middleware of the catch-all
   * `/artifacts/*` route (frontend/server/handlers/artifacts.ts getArtifactsAuthMiddleware), only in multi-user mode:
   * no kubeflow-userid header → 401, no namespace → 400, authorizeFn refuses → 403. Then getArtifactsHandler /
   * parseArtifactRequest: source, bucket, key each required (500 with its own message), an unknown source is 500;
   * the object is read with the UI's own credentials and cut to `peek` bytes (PreviewStream).
   * Not modelled: a missing key that is a prefix (getMinioArtifactHandler answers a directory summary or a .tar.gz),
   * the MLMD namespace-ownership check (validateArtifactNamespace) and the tar extraction of `tryExtract`.
   */
  function readArtifact(req: http.IncomingMessage, url: URL, res: http.ServerResponse) {
    const q = url.searchParams
    state.requests.push({method: 'GET', path: '/artifacts/get', query: Object.fromEntries(q), headers: req.headers})
    // Every user with a session may read every namespace here: the fake has no per-namespace RBAC for authorizeFn.
    if (opts.multiUser && !userOf(req)) return sendText(res, 401, 'Authentication required for artifact access')
    if (opts.multiUser && !q.get('namespace')) return sendText(res, 400, 'Namespace parameter is required when authentication is enabled')
    const source = q.get('source')
    const bucket = q.get('bucket')
    const key = q.get('key')
    if (!source) return sendText(res, 500, 'Storage source is missing from artifact request')
    if (!['gcs', 'minio', 's3', 'http', 'https', 'volume'].includes(source)) return sendText(res, 500, 'Unknown storage source')
    if (!bucket) return sendText(res, 500, 'Storage bucket is missing from artifact request')
    if (!key) return sendText(res, 500, 'Storage key is missing from artifact request')
    const scheme = source === 'gcs' ? 'gs' : source
    const data = state.objects.get(`${scheme}://${bucket}/${key}`)
    if (!data) return sendText(res, 500, `Failed to get object in bucket ${bucket} at path ${key}: The specified key does not exist.`)
    const peek = Number(q.get('peek') ?? 0)
    return sendText(res, 200, (peek > 0 ? data.subarray(0, peek) : data).toString('utf8'))
  }

  function addVersion(pipelineId: string, name: string, spec: Json, description?: string) {
    const v = clean({pipeline_id: pipelineId, pipeline_version_id: newId('ver'), name, display_name: name, description, created_at: nowIso(), pipeline_spec: spec})
    state.versions.set(v.pipeline_version_id, v)
    return v
  }

  function parseSpec(file: {filename: string; content: Buffer}): {spec: Json} | {error: string} {
    // Like the real server (backend/src/apiserver/server/util.go ReadPipelineFile): YAML and JSON are recognised by
    // the filename (isYamlFile, isJSONFile). Not modelled: .zip and .tar.gz, which it recognises by content and
    // decompresses (isZipFile, isCompressedTarballFile); kfp never uploads those.
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
    // The upload handlers write their own error JSON (pipeline_upload_server.go `writeErrorToResponse`:
    // apiv1beta1.Error {error_message, error_details}), not the googleRpcStatus the swagger declares.
    const uploadError = status !== 200 && (op.operationId === 'UploadPipeline' || op.operationId === 'UploadPipelineVersion')
    const problems = uploadError
      ? Object.keys(body).sort().join() === 'error_details,error_message' ? [] : [`upload error body of ${op.operationId} is not {error_message, error_details}`]
      : state.validator.validateResponse(op, status === 200 ? 200 : status, body)
    if (problems.length) state.violations.push(...problems)
    sendJson(res, status, body)
  }
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port
      resolve(
        Object.assign(state, {
          url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}${base}`,
          inject: (i: Injection) => void injections.push({...i}),
          setRunState,
          setToken: (t: string) => {
            acceptedToken = t
          },
          endRun,
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

const err = (status: number, code: number, message: string): [number, Json] => [status, {code, message, details: []}]
const uploadErr = (status: number, message: string, details: string): [number, Json] => [status, {error_message: message, error_details: `${message}: ${details}`}]

/**
 * Whether robfig/cron v1.2.0 `cron.Parse` accepts a spec: a descriptor (`@daily`, `@every 1h`…) or fields
 * second minute hour day-of-month month [day-of-week] (parser.go: Second | Minute | Hour | Dom | Month | DowOptional).
 */
function robfigCronV1Parses(spec: string): boolean {
  const t = spec.trim()
  if (t.startsWith('@')) return /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(t) || /^@every \d+(\.\d+)?(ns|us|ms|s|m|h)(\d+(\.\d+)?(ns|us|ms|s|m|h))*$/.test(t)
  const fields = t.split(/\s+/)
  if (fields.length !== 5 && fields.length !== 6) return false
  const bounds: Array<[number, number, string[]?]> = [
    [0, 59],
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']],
    [0, 6, ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']],
  ]
  return fields.every((f, i) => {
    const [lo, hi, names] = bounds[i]
    const value = (v: string) => {
      const n = names?.indexOf(v.toLowerCase()) ?? -1
      const x = n >= 0 ? n + (i === 4 ? 1 : 0) : /^\d+$/.test(v) ? Number(v) : Number.NaN
      return x >= lo && x <= hi ? x : Number.NaN
    }
    return f.split(',').every((part) => {
      const [range, step, extra] = part.split('/')
      if (extra !== undefined || (step !== undefined && !/^\d+$/.test(step))) return false
      if (range === '*' || range === '?') return true
      const [a, b, more] = range.split('-')
      if (more !== undefined) return false
      return !Number.isNaN(value(a)) && (b === undefined || value(b) >= value(a))
    })
  })
}
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
