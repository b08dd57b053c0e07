/**
 * REST client for the Kubeflow Pipelines v2beta1 API (see ../shared/design/kfp-api-notes.md).
 *
 * - Base URL: the API service (`http://localhost:8888`), the UI (`http://localhost:8080`), or the Kubeflow UI proxy
 *   (`https://host/pipeline`); every route is `<base>/apis/v2beta1/...`.
 * - Every call has a timeout. Idempotent calls (GET, list, health) retry with exponential backoff on connection
 *   errors and 5xx; creates and other POSTs are never retried (a run must not start twice).
 * - Failures become CliErrors: SERVER_NOT_JSON (login page), SERVER_AUTH (401/403, naming the credential source),
 *   SERVER_NOT_FOUND (404), SERVER_TIMEOUT, SERVER_UNREACHABLE, SERVER_ERROR (server's `{code, message, details}`).
 * - Uses node:http/https directly so that a CA file and `insecure` apply per client.
 */
import http from 'node:http'
import https from 'node:https'
import {CliError, EXIT} from '../lib/errors.js'

export type RuntimeState =
  | 'RUNTIME_STATE_UNSPECIFIED'
  | 'PENDING'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'SKIPPED'
  | 'FAILED'
  | 'CANCELING'
  | 'CANCELED'
  | 'PAUSED'

export interface RpcStatus {
  code?: number
  message?: string
  details?: unknown[]
}

export interface KfpPipeline {
  pipeline_id?: string
  name?: string
  display_name?: string
  description?: string
  created_at?: string
  namespace?: string
  error?: RpcStatus
}

export interface KfpPipelineVersion {
  pipeline_id?: string
  pipeline_version_id?: string
  name?: string
  display_name?: string
  description?: string
  created_at?: string
  pipeline_spec?: Record<string, unknown>
  error?: RpcStatus
}

export interface KfpExperiment {
  experiment_id?: string
  display_name?: string
  description?: string
  created_at?: string
  namespace?: string
  storage_state?: 'STORAGE_STATE_UNSPECIFIED' | 'AVAILABLE' | 'ARCHIVED'
  last_run_created_at?: string
}

export interface KfpTaskDetail {
  run_id?: string
  task_id?: string
  display_name?: string
  create_time?: string
  start_time?: string
  end_time?: string
  state?: RuntimeState
  error?: RpcStatus
  pod_name?: string
  parent_task_id?: string
  child_tasks?: Array<{task_id?: string; pod_name?: string}>
}

export interface KfpRun {
  run_id?: string
  experiment_id?: string
  display_name?: string
  description?: string
  storage_state?: 'STORAGE_STATE_UNSPECIFIED' | 'AVAILABLE' | 'ARCHIVED'
  pipeline_spec?: Record<string, unknown>
  pipeline_version_reference?: {pipeline_id?: string; pipeline_version_id?: string}
  runtime_config?: {parameters?: Record<string, unknown>; pipeline_root?: string}
  service_account?: string
  created_at?: string
  scheduled_at?: string
  finished_at?: string
  state?: RuntimeState
  error?: RpcStatus
  run_details?: {pipeline_context_id?: string; pipeline_run_context_id?: string; task_details?: KfpTaskDetail[]}
  state_history?: Array<{update_time?: string; state?: RuntimeState; error?: RpcStatus}>
}

/** A recurring run (v2beta1RecurringRun). `max_concurrency` and `interval_second` are int64, sent as strings. */
export interface KfpRecurringRun {
  recurring_run_id?: string
  display_name?: string
  description?: string
  pipeline_version_reference?: {pipeline_id?: string; pipeline_version_id?: string}
  pipeline_spec?: Record<string, unknown>
  runtime_config?: {parameters?: Record<string, unknown>; pipeline_root?: string}
  service_account?: string
  max_concurrency?: string
  trigger?: {
    cron_schedule?: {start_time?: string; end_time?: string; cron?: string}
    periodic_schedule?: {start_time?: string; end_time?: string; interval_second?: string}
  }
  mode?: 'MODE_UNSPECIFIED' | 'ENABLE' | 'DISABLE'
  created_at?: string
  updated_at?: string
  status?: 'STATUS_UNSPECIFIED' | 'ENABLED' | 'DISABLED'
  error?: RpcStatus
  no_catchup?: boolean
  namespace?: string
  experiment_id?: string
}

/**
 * What CreateRecurringRun needs. `mode` and `max_concurrency` are required here: the server creates a recurring run
 * without `mode` disabled and refuses one without `max_concurrency` (api_converter.go `toModelJob`).
 */
export type CreateRecurringRunBody = Omit<KfpRecurringRun, 'recurring_run_id' | 'created_at' | 'updated_at' | 'status' | 'error' | 'namespace'> & {
  display_name: string
  mode: 'ENABLE' | 'DISABLE'
  max_concurrency: string
}

/** The health answer of the API server (`commit_sha`, `tag_name`) or of the UI server (`apiServerTagName`, …). */
export interface KfpHealth {
  multi_user?: boolean
  pipeline_store?: string
  commit_sha?: string
  tag_name?: string
  apiServerTagName?: string
  apiServerReady?: boolean
}

export interface ListOptions {
  namespace?: string
  filter?: Filter
  sortBy?: string
  pageSize?: number
  pageToken?: string
}

export interface Filter {
  predicates: Array<{operation: 'EQUALS' | 'NOT_EQUALS' | 'IS_SUBSTRING'; key: string; string_value: string}>
}

export interface Page<T> {
  items: T[]
  nextPageToken?: string
  totalSize?: number
}

/** How to reach a KFP server. Secrets are only inside `headers()` and never echoed. */
export interface KfpConnection {
  /** Base URL, e.g. `https://kubeflow.example.com/pipeline` or `http://localhost:8080`. */
  endpoint: string
  /** Extra request headers (auth), resolved lazily once. */
  headers?: () => Promise<Record<string, string>>
  /**
   * Fresh credentials after a 401 (or a login page, for a session cookie): runs the token command again, as the SDK
   * refreshes its credentials (sdk/python/kfp/client/client.py). The refused request is sent once more with them.
   */
  refreshHeaders?: () => Promise<Record<string, string>>
  /** Human description of where credentials come from, used in SERVER_AUTH messages (e.g. "the token from $KFP_TOKEN"). */
  authSource?: string
  /** Target name for hints (`kfp target add NAME ...`). */
  targetName?: string
  /** PEM CA bundle contents for TLS. */
  ca?: string | Buffer
  /** Skip TLS verification (only when asked for). */
  insecure?: boolean
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number
  /** Retries of idempotent calls (default 3). */
  retries?: number
  /** First backoff in ms (default 500; doubles each retry). */
  retryBaseMs?: number
  /** Observes retries (for progress). */
  onRetry?: (info: {attempt: number; reason: string; delayMs: number}) => void
}

export interface CreateRunBody {
  display_name: string
  description?: string
  experiment_id?: string
  pipeline_version_reference?: {pipeline_id: string; pipeline_version_id?: string}
  pipeline_spec?: Record<string, unknown>
  runtime_config?: {parameters?: Record<string, unknown>; pipeline_root?: string}
  service_account?: string
}

/** The calls kfp makes against a KFP server (narrow on purpose). */
export interface KfpApi {
  readonly endpoint: string
  healthz(): Promise<KfpHealth>
  /** True when `/apis/v1beta1/healthz` answers (used to tell a KFP 1.x server apart). */
  hasV1Api(): Promise<boolean>
  listPipelines(o?: ListOptions): Promise<Page<KfpPipeline>>
  getPipeline(id: string): Promise<KfpPipeline>
  /** The pipeline with this `name`, or undefined when the server says NOT_FOUND. */
  findPipelineByName(name: string, namespace?: string): Promise<KfpPipeline | undefined>
  createPipeline(p: {name: string; display_name?: string; description?: string; namespace?: string}): Promise<KfpPipeline>
  deletePipeline(id: string, cascade?: boolean): Promise<void>
  deletePipelineVersion(pipelineId: string, versionId: string): Promise<void>
  listPipelineVersions(pipelineId: string, o?: ListOptions): Promise<Page<KfpPipelineVersion>>
  getPipelineVersion(pipelineId: string, versionId: string): Promise<KfpPipelineVersion>
  /** Multipart upload of a new pipeline (creates its first version). */
  uploadPipeline(file: {content: string | Buffer; filename: string}, q: {name?: string; display_name?: string; description?: string; namespace?: string}): Promise<KfpPipeline>
  /** Multipart upload of a new version of an existing pipeline. */
  uploadPipelineVersion(file: {content: string | Buffer; filename: string}, q: {pipelineid: string; name?: string; display_name?: string; description?: string}): Promise<KfpPipelineVersion>
  listExperiments(o?: ListOptions): Promise<Page<KfpExperiment>>
  getExperiment(id: string): Promise<KfpExperiment>
  createExperiment(e: {display_name: string; description?: string; namespace?: string}): Promise<KfpExperiment>
  archiveExperiment(id: string): Promise<void>
  listRuns(o?: ListOptions & {experimentId?: string}): Promise<Page<KfpRun>>
  getRun(id: string): Promise<KfpRun>
  createRun(body: CreateRunBody): Promise<KfpRun>
  terminateRun(id: string): Promise<void>
  retryRun(id: string): Promise<void>
  archiveRun(id: string): Promise<void>
  createRecurringRun(body: CreateRecurringRunBody): Promise<KfpRecurringRun>
  listRecurringRuns(o?: ListOptions & {experimentId?: string}): Promise<Page<KfpRecurringRun>>
  getRecurringRun(id: string): Promise<KfpRecurringRun>
  deleteRecurringRun(id: string): Promise<void>
  /** `:enable` (true) or `:disable` (false). */
  setRecurringRunEnabled(id: string, enabled: boolean): Promise<void>
  /**
   * Whole log of a pod's `main` container through the UI server (`/k8s/pod/logs`, frontend/server/handlers/pod-logs.ts):
   * the live pod, else the archive, whose key needs `createdat` (YYYY-MM-DD); not streaming.
   */
  uiPodLogs(q: {podname: string; podnamespace?: string; runid?: string; createdat?: string}): Promise<string>
  /** An artifact's text through the UI server (`/artifacts/get`, frontend/server/handlers/artifacts.ts), read with the UI's credentials. */
  uiReadArtifact(q: {source: string; bucket: string; key: string; namespace?: string; peek?: number}): Promise<string>
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  multipart?: {field: string; filename: string; content: string | Buffer}
  idempotent?: boolean
  /** Expect text instead of JSON (pod logs). */
  text?: boolean
  /** What is being fetched, for messages ("pipeline abc"). */
  what?: string
}

interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
}

/** Normalises an endpoint: adds a scheme (http for localhost, else https), strips trailing `/`, `/#/…` and `/apis/…`. */
export function normalizeEndpoint(endpoint: string): string {
  let e = endpoint.trim()
  if (!/^https?:\/\//i.test(e)) {
    const host = e.split('/')[0].split(':')[0]
    e = (host === 'localhost' || host.startsWith('127.') || host === '[::1]' ? 'http://' : 'https://') + e
  }
  e = e.replace(/\/#.*$/, '').replace(/\/apis\/v\d\w*(\/.*)?$/, '')
  return e.replace(/\/+$/, '')
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'ENOTFOUND'])

/**
 * The identity token IAP accepts: audience = the IAP OAuth client id; a user account needs a service account to
 * impersonate (gcloud allows `--audiences` only for service accounts), and IAP wants the email claim.
 */
export const IAP_TOKEN_COMMAND =
  'gcloud auth print-identity-token --impersonate-service-account=SA@PROJECT.iam.gserviceaccount.com --audiences=CLIENT_ID.apps.googleusercontent.com --include-email'

/** Creates a KFP API client for one server. */
export function createKfpApi(conn: KfpConnection): KfpApi {
  const base = normalizeEndpoint(conn.endpoint)
  const timeoutMs = conn.timeoutMs ?? 30_000
  const retries = conn.retries ?? 3
  const retryBaseMs = conn.retryBaseMs ?? 500
  let headersPromise: Promise<Record<string, string>> | undefined
  const authHeaders = () => (headersPromise ??= conn.headers ? conn.headers() : Promise.resolve({}))
  const authSource = conn.authSource ?? 'no credentials (auth type none)'
  const targetHint = conn.targetName ?? 'NAME'

  function send(method: string, path: string, o: RequestOptions, extra: Record<string, string>): Promise<RawResponse> {
    const url = new URL(base + path)
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
    const headers: Record<string, string> = {accept: o.text ? 'text/plain, */*' : 'application/json', ...extra}
    let payload: Buffer | undefined
    if (o.multipart) {
      const boundary = `----kfp${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${o.multipart.field}"; filename="${o.multipart.filename}"\r\n` +
          `Content-Type: application/octet-stream\r\n\r\n`,
      )
      payload = Buffer.concat([head, Buffer.from(o.multipart.content), Buffer.from(`\r\n--${boundary}--\r\n`)])
      headers['content-type'] = `multipart/form-data; boundary=${boundary}`
    } else if (o.body !== undefined) {
      payload = Buffer.from(JSON.stringify(o.body))
      headers['content-type'] = 'application/json'
    }
    if (payload) headers['content-length'] = String(payload.length)
    const isHttps = url.protocol === 'https:'
    const lib = isHttps ? https : http
    return new Promise<RawResponse>((resolve, reject) => {
      const req = lib.request(
        url,
        {
          method,
          headers,
          ...(isHttps ? {ca: conn.ca, rejectUnauthorized: !conn.insecure} : {}),
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks)}))
          res.on('error', reject)
        },
      )
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), {code: 'KFP_TIMEOUT'})))
      req.on('error', reject)
      req.end(payload)
    })
  }

  function transportError(err: NodeJS.ErrnoException, method: string, path: string): CliError {
    if (err.code === 'KFP_TIMEOUT') {
      return new CliError('SERVER_TIMEOUT', `The KFP server at ${base} did not answer ${method} ${path} within ${Math.round(timeoutMs / 1000)}s.`, {
        exit: EXIT.REMOTE,
        hints: ['Check that the server is healthy (kubectl get pods -n kubeflow).', 'A slow port-forward or proxy can also cause this; try again.'],
      })
    }
    if (err.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(err.code)) {
      return new CliError('SERVER_UNREACHABLE', `TLS verification failed for ${base}: ${err.message}.`, {
        exit: EXIT.REMOTE,
        hints: [`Give the server's CA: kfp target add ${targetHint} --endpoint ${base} --ca-file ca.pem`, 'Or, only for a test server you trust: --insecure.'],
      })
    }
    return new CliError('SERVER_UNREACHABLE', `Cannot reach the KFP server at ${base} (${err.code ?? err.message}).`, {
      exit: EXIT.REMOTE,
      hints: [
        'Is the endpoint right? kfp target list shows it.',
        'For a cluster without an ingress: `kfp ui` forwards the UI to http://localhost:8085; point the target there: kfp target add NAME --endpoint http://localhost:8085/pipeline',
      ],
      cause: err,
    })
  }

  function httpError(res: RawResponse, method: string, path: string, o: RequestOptions): CliError {
    const ct = String(res.headers['content-type'] ?? '')
    const text = res.body.toString('utf8')
    let parsed: {message?: string; error_message?: string; error?: string; code?: number; details?: unknown[]; error_details?: string} | undefined
    if (/json/i.test(ct) || /^\s*\{/.test(text)) {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = undefined
      }
    }
    const serverMessage = parsed ? parsed.message ?? parsed.error_message ?? parsed.error ?? parsed.error_details : undefined
    const data = {status: res.status, method, path, grpcCode: parsed?.code, details: parsed?.details, serverMessage}
    if (res.status === 401 || res.status === 403) {
      return new CliError(
        'SERVER_AUTH',
        `The KFP server at ${base} refused ${method} ${path} (${res.status} ${res.status === 401 ? 'Unauthorized' : 'Forbidden'}) with ${authSource}.` +
          (serverMessage ? ` Server said: ${serverMessage}` : ''),
        {
          exit: EXIT.AUTH,
          data,
          hints: [
            `Configure credentials for this target: kfp target add ${targetHint} --endpoint ${base} --token-env KFP_TOKEN (or --token-file, --token-command)`,
            `  behind IAP: --token-command "${IAP_TOKEN_COMMAND}" (the audience is IAP's OAuth client id)`,
            '  in-cluster or CI: a Kubernetes service-account token with audience pipelines.kubeflow.org (--token-file of a projected token, or --token-command "kubectl create token SA -n NAMESPACE --audience pipelines.kubeflow.org")',
            `  Dex (Kubeflow's login): kfp login ${targetHint} --username USER --password-stdin`,
            'Or set KFP_TOKEN to a bearer token for this command.',
            ...(res.status === 403 ? ['In multi-user Kubeflow, check --namespace: you need access to that profile.'] : []),
          ],
        },
      )
    }
    if (res.status === 404) {
      if (parsed && serverMessage !== undefined) {
        return new CliError('SERVER_NOT_FOUND', `Not found${o.what ? `: ${o.what}` : ''}. Server said: ${serverMessage}`, {exit: EXIT.REMOTE, data})
      }
      return new CliError('SERVER_NOT_FOUND', `${method} ${base}${path} returned 404: wrong base path?`, {
        exit: EXIT.REMOTE,
        data,
        hints: [
          'The endpoint must be the KFP API or UI base URL, e.g. http://localhost:8080 (port-forward) or https://HOST/pipeline (Kubeflow).',
          'KFP 1.x servers only have /apis/v1beta1 and are not supported.',
        ],
      })
    }
    const emptyNamespace = /empty namespace in multi-user mode/i.test(serverMessage ?? '')
    // MySQL (KFP's default database) keeps 255 characters of a description (model/experiment.go, job.go, run.go:
    // VARCHAR(255) from client_manager.go's DefaultStringSize); the store answers 500 with the driver's error.
    const longDescription = /Data too long for column 'Description'/i.test(serverMessage ?? '')
    return new CliError(
      'SERVER_ERROR',
      `The KFP server answered ${res.status} to ${method} ${path}${serverMessage ? `: ${serverMessage}` : ''}.`,
      {
        exit: res.status === 400 || res.status === 409 ? EXIT.CONFIG : EXIT.REMOTE,
        data,
        hints: [
          ...(emptyNamespace ? [`This is a multi-user server: give the target your profile namespace (kfp target add ${targetHint} --endpoint ${base} --namespace PROFILE, or KFP_NAMESPACE=PROFILE).`] : []),
          ...(longDescription ? ["The server's database (MySQL, KFP's default) keeps at most 255 characters of a description: pass a shorter --description."] : []),
        ],
      },
    )
  }

  function notJson(res: RawResponse, method: string, path: string): CliError {
    const looksLogin = /<html|login|sign in|dex|oauth/i.test(res.body.toString('utf8').slice(0, 2000)) || (res.status >= 300 && res.status < 400)
    return new CliError(
      'SERVER_NOT_JSON',
      `The server at ${base} answered ${method} ${path} with ${looksLogin ? 'a login page or redirect' : `non-JSON content (${res.headers['content-type'] ?? 'no content type'})`} instead of the KFP API.`,
      {
        exit: EXIT.AUTH,
        data: {status: res.status, method, path, loginPage: looksLogin},
        hints: [
          'The endpoint is behind a login (Dex, oauth2-proxy or IAP). Give kfp a credential:',
          `  session cookie: kfp target add ${targetHint} --endpoint ${base} --cookie-file ~/.config/kfp/cookie (e.g. authservice_session=… or oauth2_proxy_kubeflow=…)`,
          `  Dex login (Kubeflow's default): kfp login ${targetHint} --username USER --password-stdin`,
          `  IAP: kfp target add ${targetHint} --endpoint ${base} --token-command "${IAP_TOKEN_COMMAND}"`,
          'Or check the base path: it must be the KFP UI/API base (e.g. https://HOST/pipeline).',
        ],
      },
    )
  }

  /** One request; after a 401 (or a login page) with a way to refresh the credentials, refreshes once and resends. */
  async function request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const sent = authHeaders()
    try {
      return await attempt<T>(method, path, o)
    } catch (error) {
      const d = (error as CliError).data
      if (!conn.refreshHeaders || !(d?.status === 401 || d?.loginPage === true)) throw error
      // Another request may have refreshed meanwhile: then just resend with its credentials.
      if (headersPromise === sent) headersPromise = conn.refreshHeaders()
      return attempt<T>(method, path, o)
    }
  }

  async function attempt<T>(method: string, path: string, o: RequestOptions): Promise<T> {
    const extra = await authHeaders()
    const maxAttempts = o.idempotent ? retries + 1 : 1
    let lastError: CliError | undefined
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let res: RawResponse
      try {
        res = await send(method, path, o, extra)
      } catch (error) {
        const err = error as NodeJS.ErrnoException
        lastError = transportError(err, method, path)
        if (attempt < maxAttempts && err.code !== 'KFP_TIMEOUT' && RETRYABLE_CODES.has(err.code ?? '')) {
          await backoff(attempt, err.code ?? 'connection error')
          continue
        }
        throw lastError
      }
      if (res.status >= 500 && attempt < maxAttempts) {
        lastError = httpError(res, method, path, o)
        await backoff(attempt, `HTTP ${res.status}`)
        continue
      }
      if (res.status >= 300 && res.status < 400) throw notJson(res, method, path)
      const ct = String(res.headers['content-type'] ?? '')
      if (res.status >= 400) {
        // A login page with 401/403 is still an auth problem; other HTML errors mean we are not talking to KFP.
        if (/html/i.test(ct) && res.status !== 401 && res.status !== 403 && res.status !== 404) throw notJson(res, method, path)
        throw httpError(res, method, path, o)
      }
      if (o.text) return res.body.toString('utf8') as T
      const text = res.body.toString('utf8')
      if (!/json/i.test(ct) && !(ct === '' && /^\s*[{[]/.test(text))) throw notJson(res, method, path)
      try {
        return (text.trim() === '' ? {} : JSON.parse(text)) as T
      } catch {
        throw notJson(res, method, path)
      }
    }
    throw lastError ?? new CliError('SERVER_ERROR', `${method} ${path} failed.`, {exit: EXIT.REMOTE})
  }

  async function backoff(attempt: number, reason: string): Promise<void> {
    const delayMs = Math.round(retryBaseMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4))
    conn.onRetry?.({attempt, reason, delayMs})
    await new Promise((r) => setTimeout(r, delayMs))
  }

  const listQuery = (o: ListOptions = {}) => ({
    namespace: o.namespace,
    page_token: o.pageToken,
    page_size: o.pageSize,
    sort_by: o.sortBy,
    filter: o.filter ? JSON.stringify(o.filter) : undefined,
  })
  const enc = encodeURIComponent
  const V2 = '/apis/v2beta1'

  return {
    endpoint: base,
    healthz: () => request<KfpHealth>('GET', `${V2}/healthz`, {idempotent: true}),
    async hasV1Api() {
      try {
        await request('GET', '/apis/v1beta1/healthz', {idempotent: false})
        return true
      } catch {
        return false
      }
    },
    async listPipelines(o) {
      const r = await request<{pipelines?: KfpPipeline[]; next_page_token?: string; total_size?: number}>('GET', `${V2}/pipelines`, {
        query: listQuery(o),
        idempotent: true,
      })
      return {items: r.pipelines ?? [], nextPageToken: r.next_page_token || undefined, totalSize: r.total_size}
    },
    getPipeline: (id) => request<KfpPipeline>('GET', `${V2}/pipelines/${enc(id)}`, {idempotent: true, what: `pipeline ${id}`}),
    async findPipelineByName(name, namespace) {
      try {
        return await request<KfpPipeline>('GET', `${V2}/pipelines/names/${enc(name)}`, {query: {namespace}, idempotent: true, what: `pipeline ${name}`})
      } catch (error) {
        if ((error as CliError).kfpCode === 'SERVER_NOT_FOUND' && (error as CliError).data?.serverMessage !== undefined) return undefined
        throw error
      }
    },
    createPipeline: (p) => request<KfpPipeline>('POST', `${V2}/pipelines`, {body: p}),
    async deletePipeline(id, cascade) {
      await request('DELETE', `${V2}/pipelines/${enc(id)}`, {query: {cascade: cascade ? true : undefined}, what: `pipeline ${id}`})
    },
    async deletePipelineVersion(pid, vid) {
      await request('DELETE', `${V2}/pipelines/${enc(pid)}/versions/${enc(vid)}`, {what: `pipeline version ${vid}`})
    },
    async listPipelineVersions(pipelineId, o) {
      const q = listQuery(o)
      delete (q as {namespace?: string}).namespace
      const r = await request<{pipeline_versions?: KfpPipelineVersion[]; next_page_token?: string; total_size?: number}>(
        'GET',
        `${V2}/pipelines/${enc(pipelineId)}/versions`,
        {query: q, idempotent: true, what: `versions of pipeline ${pipelineId}`},
      )
      return {items: r.pipeline_versions ?? [], nextPageToken: r.next_page_token || undefined, totalSize: r.total_size}
    },
    getPipelineVersion: (pid, vid) =>
      request<KfpPipelineVersion>('GET', `${V2}/pipelines/${enc(pid)}/versions/${enc(vid)}`, {idempotent: true, what: `pipeline version ${vid}`}),
    uploadPipeline: (file, q) =>
      request<KfpPipeline>('POST', `${V2}/pipelines/upload`, {query: q, multipart: {field: 'uploadfile', ...file}}),
    uploadPipelineVersion: (file, q) =>
      request<KfpPipelineVersion>('POST', `${V2}/pipelines/upload_version`, {query: q, multipart: {field: 'uploadfile', ...file}}),
    async listExperiments(o) {
      const r = await request<{experiments?: KfpExperiment[]; next_page_token?: string; total_size?: number}>('GET', `${V2}/experiments`, {
        query: listQuery(o),
        idempotent: true,
      })
      return {items: r.experiments ?? [], nextPageToken: r.next_page_token || undefined, totalSize: r.total_size}
    },
    getExperiment: (id) => request<KfpExperiment>('GET', `${V2}/experiments/${enc(id)}`, {idempotent: true, what: `experiment ${id}`}),
    createExperiment: (e) => request<KfpExperiment>('POST', `${V2}/experiments`, {body: e}),
    async archiveExperiment(id) {
      await request('POST', `${V2}/experiments/${enc(id)}:archive`, {what: `experiment ${id}`})
    },
    async listRuns(o = {}) {
      const r = await request<{runs?: KfpRun[]; next_page_token?: string; total_size?: number}>('GET', `${V2}/runs`, {
        query: {...listQuery(o), experiment_id: o.experimentId},
        idempotent: true,
      })
      return {items: r.runs ?? [], nextPageToken: r.next_page_token || undefined, totalSize: r.total_size}
    },
    getRun: (id) => request<KfpRun>('GET', `${V2}/runs/${enc(id)}`, {idempotent: true, what: `run ${id}`}),
    createRun: (body) => request<KfpRun>('POST', `${V2}/runs`, {body}),
    async terminateRun(id) {
      await request('POST', `${V2}/runs/${enc(id)}:terminate`, {what: `run ${id}`})
    },
    async retryRun(id) {
      await request('POST', `${V2}/runs/${enc(id)}:retry`, {what: `run ${id}`})
    },
    async archiveRun(id) {
      await request('POST', `${V2}/runs/${enc(id)}:archive`, {what: `run ${id}`})
    },
    createRecurringRun: (body) => request<KfpRecurringRun>('POST', `${V2}/recurringruns`, {body}),
    async listRecurringRuns(o = {}) {
      // The list field is `recurringRuns`: the proto field's own name (the server marshals with UseProtoNames).
      const r = await request<{recurringRuns?: KfpRecurringRun[]; next_page_token?: string; total_size?: number}>('GET', `${V2}/recurringruns`, {
        query: {...listQuery(o), experiment_id: o.experimentId},
        idempotent: true,
      })
      return {items: r.recurringRuns ?? [], nextPageToken: r.next_page_token || undefined, totalSize: r.total_size}
    },
    getRecurringRun: (id) => request<KfpRecurringRun>('GET', `${V2}/recurringruns/${enc(id)}`, {idempotent: true, what: `recurring run ${id}`}),
    async deleteRecurringRun(id) {
      await request('DELETE', `${V2}/recurringruns/${enc(id)}`, {what: `recurring run ${id}`})
    },
    async setRecurringRunEnabled(id, enabled) {
      await request('POST', `${V2}/recurringruns/${enc(id)}:${enabled ? 'enable' : 'disable'}`, {what: `recurring run ${id}`})
    },
    uiPodLogs: (q) => request<string>('GET', `/k8s/pod/logs`, {query: q, text: true, what: `logs of pod ${q.podname}`}),
    uiReadArtifact: (q) => request<string>('GET', `/artifacts/get`, {query: q, text: true, what: `artifact ${q.source}://${q.bucket}/${q.key}`}),
  }
}

/** Fetches every page of a listing by following `next_page_token` (page size 100 by default). */
export async function listAll<T>(fetchPage: (pageToken: string | undefined) => Promise<Page<T>>, limit = Infinity): Promise<T[]> {
  const out: T[] = []
  let token: string | undefined
  do {
    const page = await fetchPage(token)
    out.push(...page.items)
    token = page.nextPageToken
  } while (token && out.length < limit)
  return out.slice(0, limit)
}

/** An EQUALS filter on one key, as the server expects it in the `filter` query parameter. */
export function equalsFilter(key: string, value: string): Filter {
  return {predicates: [{operation: 'EQUALS', key, string_value: value}]}
}

declare module '../ctx.js' {
  interface ClientFactories {
    /** Creates a KFP API client for a resolved connection (tests point it at the fake server). */
    kfpApi: (conn: KfpConnection) => KfpApi
  }
}
