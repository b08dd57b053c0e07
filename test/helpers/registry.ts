import {spawn, execFileSync, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

/** A running docker-registry with htpasswd authentication. */
export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234 (the daemon treats 127.0.0.0/8 as an insecure registry, so plain HTTP works). */
  host: string
  url: string
  username: string
  password: string
  stop(): Promise<void>
}

/** Whether the Debian docker-registry and htpasswd binaries are installed. */
export function registryAvailable(): boolean {
  return existsSync('/usr/bin/docker-registry') && existsSync('/usr/bin/htpasswd')
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

/**
 * Starts a real `docker-registry` on 127.0.0.1:<free port>, storage in a temp dir, with an htpasswd file
 * (bcrypt, written by `htpasswd -Bbn`) holding one user. Waits until /v2/ answers 401.
 */
export async function startRegistry(opts: {username?: string; password?: string} = {}): Promise<TestRegistry> {
  const username = opts.username ?? 'kfp-user'
  const password = opts.password ?? 's3cret-Pa55'
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kfp-registry-'))
  const port = await freePort()
  const htpasswd = execFileSync('htpasswd', ['-Bbn', username, password], {encoding: 'utf8'})
  await writeFile(path.join(dir, 'htpasswd'), htpasswd)
  const config = [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    'auth:',
    '  htpasswd:',
    '    realm: kfp-test',
    `    path: ${path.join(dir, 'htpasswd')}`,
    '',
  ].join('\n')
  await writeFile(path.join(dir, 'config.yml'), config)
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', path.join(dir, 'config.yml')], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (d) => (stderr += d))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      const r = await fetch(`${url}/v2/`)
      if (r.status === 401) break
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`docker-registry did not start on ${url}: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    username,
    password,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      await rm(dir, {recursive: true, force: true})
    },
  }
}

/** GETs a manifest from the registry's HTTP API with basic auth; returns status and Docker-Content-Digest. */
export async function registryManifest(reg: TestRegistry, repository: string, reference: string): Promise<{status: number; digest?: string}> {
  const r = await fetch(`${reg.url}/v2/${repository}/manifests/${reference}`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${reg.username}:${reg.password}`).toString('base64')}`,
      Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  })
  await r.arrayBuffer()
  return {status: r.status, digest: r.headers.get('docker-content-digest') ?? undefined}
}
