/**
 * Reads objects of a KFP pipeline root on MinIO or S3 (`minio://bucket/key`, `s3://bucket/key`) with the user's own
 * credentials, through the `minio` client (imported lazily). A default `kfp deploy` install keeps artifacts in the
 * in-cluster MinIO (`minio://mlpipeline/v2/artifacts`); reach it with a port-forward
 * (`kubectl port-forward -n kubeflow svc/minio-service 9000:9000`) and say where: KFP_S3_ENDPOINT=http://localhost:9000,
 * with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the `mlpipeline-minio-artifact` secret's accesskey/secretkey).
 * For s3:// without KFP_S3_ENDPOINT, AWS's endpoint for AWS_REGION is used.
 */
import {CliError, EXIT} from '../lib/errors.js'
import type {Env} from '../lib/env.js'

export interface S3Store {
  /** The object's bytes, or undefined when it does not exist. */
  read(uri: string): Promise<Buffer | undefined>
  /** Full URIs of the objects under a prefix. */
  list(prefixUri: string): Promise<string[]>
}

/** `minio://bucket/key` or `s3://bucket/key` → scheme, bucket and key. */
export function parseS3Uri(uri: string): {scheme: 'minio' | 's3'; bucket: string; key: string} {
  const m = /^(minio|s3):\/\/([^/]+)\/?(.*)$/.exec(uri)
  if (!m) throw new CliError('USAGE', `${uri} is not a minio:// or s3:// URI.`, {exit: EXIT.USAGE})
  return {scheme: m[1] as 'minio' | 's3', bucket: m[2], key: m[3]}
}

function s3Error(error: unknown, uri: string): CliError {
  const e = error as {code?: string; message?: string}
  if (e.code === 'AccessDenied' || e.code === 'InvalidAccessKeyId' || e.code === 'SignatureDoesNotMatch') {
    return new CliError('S3_FORBIDDEN', `Access to ${uri} was refused (${e.code}).`, {
      exit: EXIT.AUTH,
      hints: ['Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to credentials for this bucket (for KFP\'s MinIO: the mlpipeline-minio-artifact secret).'],
    })
  }
  return new CliError('S3_UNREACHABLE', `Reading ${uri} failed: ${e.message ?? String(error)}`, {
    exit: EXIT.REMOTE,
    hints: ['For KFP\'s MinIO: kubectl port-forward -n kubeflow svc/minio-service 9000:9000, then KFP_S3_ENDPOINT=http://localhost:9000'],
  })
}

/** Creates the store from the environment; throws a config error naming what to set when the endpoint is unknown. */
export async function createS3Store(env: Env, forUri: string): Promise<S3Store> {
  const {scheme} = parseS3Uri(forUri)
  const endpoint = env.KFP_S3_ENDPOINT || (scheme === 's3' ? `https://s3.${env.AWS_REGION || 'us-east-1'}.amazonaws.com` : undefined)
  if (!endpoint) {
    throw new CliError('S3_UNREACHABLE', `${forUri} is in KFP's MinIO, and kfp does not know where to reach it.`, {
      exit: EXIT.CONFIG,
      hints: ['kubectl port-forward -n kubeflow svc/minio-service 9000:9000', 'then: KFP_S3_ENDPOINT=http://localhost:9000 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… kfp artifacts get …'],
    })
  }
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
    throw new CliError('S3_FORBIDDEN', `Reading ${forUri} needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set.`, {
      exit: EXIT.AUTH,
      hints: ["For KFP's MinIO: kubectl get secret -n kubeflow mlpipeline-minio-artifact -o jsonpath='{.data.accesskey}' | base64 -d"],
    })
  }
  const u = new URL(endpoint)
  const Minio = await import('minio')
  const client = new Minio.Client({
    endPoint: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    useSSL: u.protocol === 'https:',
    accessKey: env.AWS_ACCESS_KEY_ID,
    secretKey: env.AWS_SECRET_ACCESS_KEY,
    region: env.AWS_REGION || 'us-east-1',
    pathStyle: true,
  })
  return {
    async read(uri) {
      const {bucket, key} = parseS3Uri(uri)
      try {
        const stream = await client.getObject(bucket, key)
        const chunks: Buffer[] = []
        for await (const c of stream) chunks.push(c as Buffer)
        return Buffer.concat(chunks)
      } catch (error) {
        if ((error as {code?: string}).code === 'NoSuchKey' || (error as {code?: string}).code === 'NotFound') return undefined
        throw s3Error(error, uri)
      }
    },
    async list(prefixUri) {
      const {scheme: sc, bucket, key} = parseS3Uri(prefixUri)
      try {
        const out: string[] = []
        for await (const o of client.listObjectsV2(bucket, key, true)) if ((o as {name?: string}).name) out.push(`${sc}://${bucket}/${(o as {name: string}).name}`)
        return out
      } catch (error) {
        throw s3Error(error, prefixUri)
      }
    },
  }
}

declare module '../ctx.js' {
  interface ClientFactories {
    s3: (env: Env, forUri: string) => Promise<S3Store>
  }
}
