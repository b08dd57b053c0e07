import {chmod, mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createExec} from '../../src/clients/exec.js'
import {dockerAuthConfig, resolveRegistryCredentials} from '../../src/clients/registry-auth.js'
import {manifestDigest, registryBaseUrl} from '../../src/clients/registry-http.js'
import type {CliError} from '../../src/lib/errors.js'
import {startRegistry, type TestRegistry} from '../helpers/registry.js'
import {tmpdir} from '../helpers/tmp.js'

let dir = ''
let cleanup = async () => {}
let bin = ''

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {PATH: `${bin}:${process.env.PATH}`, HOME: path.join(dir, 'home'), DOCKER_CONFIG: path.join(dir, 'docker'), ...extra}
}

async function config(json: unknown): Promise<void> {
  await mkdir(path.join(dir, 'docker'), {recursive: true})
  await writeFile(path.join(dir, 'docker', 'config.json'), JSON.stringify(json))
}

/** A docker-credential-<name> shim that records its stdin and answers like the real helpers. */
async function helper(name: string, script: string): Promise<void> {
  const file = path.join(bin, `docker-credential-${name}`)
  await writeFile(file, `#!/bin/sh\nread -r server\necho "$server" > "${path.join(dir, `${name}.stdin`)}"\n${script}\n`)
  await chmod(file, 0o755)
}

async function expectError(p: Promise<unknown>): Promise<CliError> {
  try {
    await p
  } catch (err) {
    return err as CliError
  }
  throw new Error('expected an error')
}

const creds = suite('registry credentials')
creds.before.each(async () => {
  ;({dir, cleanup} = await tmpdir('kfp-auth-'))
  bin = path.join(dir, 'bin')
  await mkdir(bin)
})
creds.after.each(() => cleanup())

creds('flags win over env and docker config', async () => {
  // Given every source configured
  await config({auths: {'localhost:5000': {auth: Buffer.from('cfg:cfgpass').toString('base64')}}})
  const e = env({KFP_REGISTRY_USERNAME: 'envuser', KFP_REGISTRY_PASSWORD: 'envpass'})
  // When
  const c = await resolveRegistryCredentials('localhost:5000', {env: e, exec: createExec(e), explicit: {username: 'flaguser', password: 'flagpass', source: '--password-stdin'}})
  // Then
  assert.equal(c, {registry: 'localhost:5000', username: 'flaguser', password: 'flagpass', source: '--password-stdin'})
})

creds('env variables for CI, named as the source', async () => {
  const e = env({KFP_REGISTRY_USERNAME: 'ci', KFP_REGISTRY_PASSWORD: 'tok'})
  const c = await resolveRegistryCredentials('gcr.io', {env: e, exec: createExec(e)})
  assert.is(c?.username, 'ci')
  assert.match(c!.source, 'KFP_REGISTRY_USERNAME')
})

creds('half of the env pair is a usage error', async () => {
  const e = env({KFP_REGISTRY_USERNAME: 'ci'})
  const err = await expectError(resolveRegistryCredentials('gcr.io', {env: e, exec: createExec(e)}))
  assert.is(err.kfpCode, 'MISSING_INPUT')
})

creds('auths: base64 user:password, keys written as URLs too', async () => {
  // Given an auths entry keyed by URL
  await config({auths: {'https://localhost:5000/v1/': {auth: Buffer.from('alice:pa:ss').toString('base64')}}})
  // When
  const c = await resolveRegistryCredentials('localhost:5000', {env: env(), exec: createExec(env())})
  // Then
  assert.is(c?.username, 'alice')
  assert.is(c?.password, 'pa:ss')
  assert.match(c!.source, `auths["https://localhost:5000/v1/"] in ${path.join(dir, 'docker', 'config.json')}`)
  assert.equal(dockerAuthConfig(c!), {username: 'alice', password: 'pa:ss', serveraddress: 'localhost:5000'})
})

creds('credHelpers run docker-credential-<name> get with the server URL on stdin', async () => {
  // Given a helper for gcr.io and a store that would answer differently
  await config({credHelpers: {'gcr.io': 'fakegcloud'}, credsStore: 'fakestore', auths: {}})
  await helper('fakegcloud', `echo '{"ServerURL":"gcr.io","Username":"oauth2accesstoken","Secret":"ya29.token"}'`)
  await helper('fakestore', `echo '{"Username":"wrong","Secret":"wrong"}'`)
  // When
  const c = await resolveRegistryCredentials('gcr.io', {env: env(), exec: createExec(env())})
  // Then
  assert.is(c?.username, 'oauth2accesstoken')
  assert.is(c?.password, 'ya29.token')
  assert.match(c!.source, 'docker-credential-fakegcloud (credHelpers in')
  const {readFile} = await import('node:fs/promises')
  assert.is((await readFile(path.join(dir, 'fakegcloud.stdin'), 'utf8')).trim(), 'gcr.io')
})

creds('credsStore: a <token> user name is an identity token; "not found" means no credentials', async () => {
  await config({credsStore: 'fakestore'})
  await helper('fakestore', `if [ "$server" = "https://index.docker.io/v1/" ]; then echo '{"Username":"<token>","Secret":"refresh-tok"}'; else echo "credentials not found in native keychain"; exit 1; fi`)
  const hub = await resolveRegistryCredentials('docker.io', {env: env(), exec: createExec(env())})
  assert.equal({t: hub?.identityToken, u: hub?.username}, {t: 'refresh-tok', u: undefined})
  assert.is(await resolveRegistryCredentials('quay.io', {env: env(), exec: createExec(env())}), undefined)
})

creds('a failing helper: REGISTRY_AUTH naming helper and registry, not the secret', async () => {
  await config({credHelpers: {'eu.gcr.io': 'broken'}})
  await helper('broken', 'echo "token expired for secret-value-123" >&2; exit 2')
  const err = await expectError(resolveRegistryCredentials('eu.gcr.io', {env: env(), exec: createExec(env())}))
  assert.is(err.kfpCode, 'REGISTRY_AUTH')
  assert.is(err.exitCode, 4)
  assert.match(err.message, 'docker-credential-broken')
  assert.match(err.message, 'eu.gcr.io')
})

creds('no config file: anonymous', async () => {
  assert.is(await resolveRegistryCredentials('localhost:5000', {env: env(), exec: createExec(env())}), undefined)
})

const http = suite('registry HTTP API (real docker-registry with htpasswd)')
let reg: TestRegistry
http.before(async () => {
  reg = await startRegistry()
})
http.after(() => reg.stop())

http('loopback registries are plain http, others https', () => {
  assert.is(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000')
  assert.is(registryBaseUrl('localhost:5000'), 'http://localhost:5000')
  assert.is(registryBaseUrl('gcr.io'), 'https://gcr.io')
  assert.is(registryBaseUrl('docker.io'), 'https://registry-1.docker.io')
})

http('a missing tag with good credentials is undefined', async () => {
  const d = await manifestDigest(reg.host, 'nothing-here', 'v1', {credentials: {registry: reg.host, username: reg.username, password: reg.password, source: 'test'}})
  assert.is(d, undefined)
})

http('bad or missing credentials: REGISTRY_AUTH naming registry and source, without the password', async () => {
  const err = await expectError(manifestDigest(reg.host, 'x', 'v1', {credentials: {registry: reg.host, username: reg.username, password: 'not-the-password', source: 'auths["x"] in /tmp/c.json'}}))
  assert.is(err.kfpCode, 'REGISTRY_AUTH')
  assert.match(err.message, reg.host)
  assert.match(err.message, 'auths["x"] in /tmp/c.json')
  assert.not.ok(err.message.includes('not-the-password'))
  const anon = await expectError(manifestDigest(reg.host, 'x', 'v1'))
  assert.is(anon.kfpCode, 'REGISTRY_AUTH')
  assert.match(anon.message, 'no credentials were found')
})

creds.run()
http.run()
