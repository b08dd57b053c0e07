import type {Ctx} from '../ctx.js'
import {createGcloud, isGcloudNotFound, translateGcloudFailure} from '../clients/gcloud.js'
import {renderScript, type PlanStep} from '../core/cluster/shell.js'
import {CliError, EXIT} from '../lib/errors.js'
import {readProjectGcp} from './cluster/project-gcp.js'

/** APIs the pipeline needs: GKE, Artifact Registry, Cloud Storage. */
export const DEFAULT_APIS = ['container.googleapis.com', 'artifactregistry.googleapis.com', 'storage.googleapis.com']

export interface CloudResourcesOptions {
  /** GCP project (default: kfp.yaml gcp.project). */
  project?: string
  /** Location of the bucket and the repository (default: kfp.yaml gcp.region, else us-central1). */
  region?: string
  /** Bucket for the pipeline root and data (default: kfp.yaml gcp.bucket); none = no bucket. */
  bucket?: string
  /** Artifact Registry Docker repository (default: derived from kfp.yaml registry `REGION-docker.pkg.dev/PROJECT/REPO`). */
  repository?: string
  apis?: string[]
  dryRun?: boolean
  onEvent?: (e: {type: 'resource'; resource: CloudResource}) => void
}

export interface CloudResource {
  kind: 'api' | 'repository' | 'bucket'
  name: string
  action: 'exists' | 'created' | 'enabled' | 'planned'
}

export interface CloudResourcesResult {
  project: string
  region: string
  resources: CloudResource[]
  script?: string
}

/** `REGION-docker.pkg.dev/PROJECT/REPO[/...]` → {location, project, repository}. */
export function parseArtifactRegistry(registry: string | undefined): {location: string; project: string; repository: string} | undefined {
  const m = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)/.exec(registry ?? '')
  return m ? {location: m[1], project: m[2], repository: m[3]} : undefined
}

async function storageFor(ctx: Pick<Ctx, 'env'>, project?: string) {
  const {Storage} = await import('@google-cloud/storage')
  const emulator = ctx.env.STORAGE_EMULATOR_HOST
  return new Storage({...(emulator ? {apiEndpoint: emulator, projectId: project ?? 'test', token: 'emulator'} : project ? {projectId: project} : {})} as ConstructorParameters<typeof Storage>[0])
}

/** Whether a bucket exists (with the user's Application Default Credentials); `error` when it could not be checked. */
export async function bucketStatus(ctx: Pick<Ctx, 'env'>, bucket: string, project?: string): Promise<{exists: boolean; error?: string}> {
  try {
    const storage = await storageFor(ctx, project)
    const [exists] = await storage.bucket(bucket).exists()
    return {exists}
  } catch (error) {
    const e = error as {code?: number; message?: string}
    return {exists: false, error: e.code === 401 || e.code === 403 ? `access refused (${e.code})` : (e.message ?? String(error)).split('\n')[0].slice(0, 200)}
  }
}

function resolvePlan(o: CloudResourcesOptions, gcp: Awaited<ReturnType<typeof readProjectGcp>>) {
  const ar = parseArtifactRegistry(gcp.registry)
  const project = o.project ?? gcp.project ?? ar?.project
  if (!project) {
    throw new CliError('MISSING_INPUT', 'Missing --gcp-project (the GCP project to set up).', {exit: EXIT.USAGE, hints: ['Pass --gcp-project ID, or set gcp.project in kfp.yaml.']})
  }
  const region = o.region ?? ar?.location ?? gcp.region ?? 'us-central1'
  return {project, region, bucket: o.bucket ?? gcp.bucket, repository: o.repository ?? ar?.repository, apis: o.apis ?? DEFAULT_APIS}
}

/**
 * Creates what the pipeline needs in GCP, each only if missing, and reports each one: the APIs (enabled via gcloud),
 * the Artifact Registry Docker repository (gcloud), and the bucket (@google-cloud/storage with ADC).
 * `kfp init` calls this after asking; `kfp cloud setup` exposes it directly.
 */
export async function ensureCloudResources(o: CloudResourcesOptions, ctx: Ctx): Promise<CloudResourcesResult> {
  const p = resolvePlan(o, await readProjectGcp(ctx))
  const proj = `--project=${p.project}`
  const enableCmd = {file: 'gcloud', args: ['services', 'enable', ...p.apis, proj]}
  const repoDescribe = p.repository ? {file: 'gcloud', args: ['artifacts', 'repositories', 'describe', p.repository, `--location=${p.region}`, proj, '--format=json']} : undefined
  const repoCreate = p.repository
    ? {file: 'gcloud', args: ['artifacts', 'repositories', 'create', p.repository, '--repository-format=docker', `--location=${p.region}`, proj, '--description=Images of kfp pipeline steps']}
    : undefined
  const report = (r: CloudResource) => {
    o.onEvent?.({type: 'resource', resource: r})
    return r
  }
  if (o.dryRun) {
    const steps: PlanStep[] = [{title: `Enable the APIs: ${p.apis.join(', ')}`, cmd: enableCmd}]
    if (repoCreate) steps.push({title: `Artifact Registry repository ${p.repository} (skipped when it exists)`, unless: repoDescribe, cmd: repoCreate})
    if (p.bucket) {
      steps.push({
        title: `Bucket gs://${p.bucket} (skipped when it exists)`,
        unless: {file: 'gcloud', args: ['storage', 'buckets', 'describe', `gs://${p.bucket}`, proj]},
        cmd: {file: 'gcloud', args: ['storage', 'buckets', 'create', `gs://${p.bucket}`, `--location=${p.region}`, proj, '--uniform-bucket-level-access']},
      })
    }
    const resources: CloudResource[] = [
      ...p.apis.map((a) => ({kind: 'api' as const, name: a, action: 'planned' as const})),
      ...(p.repository ? [{kind: 'repository' as const, name: p.repository, action: 'planned' as const}] : []),
      ...(p.bucket ? [{kind: 'bucket' as const, name: p.bucket, action: 'planned' as const}] : []),
    ]
    return {project: p.project, region: p.region, resources, script: renderScript(`kfp cloud setup: GCP resources for project ${p.project}`, steps)}
  }
  const gcloud = createGcloud(ctx)
  const resources: CloudResource[] = []
  // APIs: list the enabled ones, enable the rest in one call.
  const enabled = new Set((await gcloud.run(['services', 'list', '--enabled', '--format=value(config.name)', proj])).split('\n').map((s) => s.trim()).filter(Boolean))
  const missing = p.apis.filter((a) => !enabled.has(a))
  if (missing.length > 0) await gcloud.run(['services', 'enable', ...missing, proj])
  for (const a of p.apis) resources.push(report({kind: 'api', name: a, action: missing.includes(a) ? 'enabled' : 'exists'}))
  if (repoDescribe && repoCreate) {
    const d = await gcloud.tryRun(repoDescribe.args)
    if (d.exitCode === 0) resources.push(report({kind: 'repository', name: p.repository!, action: 'exists'}))
    else if (isGcloudNotFound(d)) {
      await gcloud.run(repoCreate.args)
      resources.push(report({kind: 'repository', name: p.repository!, action: 'created'}))
    } else throw translateGcloudFailure(repoDescribe.args, d)
  }
  if (p.bucket) {
    const storage = await storageFor(ctx, p.project)
    try {
      const [exists] = await storage.bucket(p.bucket).exists()
      if (!exists) await storage.createBucket(p.bucket, {location: p.region, iamConfiguration: {uniformBucketLevelAccess: {enabled: true}}} as any)
      resources.push(report({kind: 'bucket', name: p.bucket, action: exists ? 'exists' : 'created'}))
    } catch (error) {
      const code = (error as {code?: number}).code
      if (code === 401 || code === 403) {
        throw new CliError('GCS_FORBIDDEN', `Could not check or create gs://${p.bucket} (${code}): ${(error as Error).message.split('\n')[0]}`, {
          exit: EXIT.AUTH,
          hints: ['Log in for client libraries: gcloud auth application-default login', 'Bucket names are global: if another project owns it, pick another --bucket.'],
        })
      }
      throw new CliError('GCS_FORBIDDEN', `Could not check or create gs://${p.bucket}: ${(error as Error).message.split('\n')[0]}`, {
        exit: EXIT.REMOTE,
        hints: ['gcloud auth application-default login'],
      })
    }
  }
  return {project: p.project, region: p.region, resources}
}
