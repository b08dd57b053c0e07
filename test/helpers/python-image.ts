// An OFFLINE STAND-IN for docker.io/library/python:3.11-slim, built FROM scratch out of the host's own Python 3.11.
//
// Why: the examples' Dockerfiles (templates/examples/*/components/*/Dockerfile, templates/components/python) start
// `FROM python:3.11-slim`, and `kfp build` builds them with the Docker daemon. There is no Docker Hub on the test
// machines, so the tests that build and run the examples in Docker first put a local image with that exact tag in the
// daemon.
//
// What it mimics: docker-library/python 3.11/slim-trixie/Dockerfile (commit c859f2b9e567, 2026-03-02; trixie is the
// first Debian variant of 3.11 in versions.json, and generate-stackbrew-library.sh gives that variant's slim the
// `3.11-slim` tag). That image is `FROM debian:trixie-slim`, `ENV PATH /usr/local/bin:$PATH` (Debian's PATH is
// /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, so /usr/local/bin comes twice), `ENV LANG C.UTF-8`,
// `ENV PYTHON_VERSION 3.11.<patch>`, Python built with `make install` into /usr/local (/usr/local/bin/python3.11,
// python3 -> python3.11, the standard library in /usr/local/lib/python3.11 without test/ folders), the symlinks
// `ln -svT python3 /usr/local/bin/python` (and idle, pip, pydoc, python-config), `CMD ["python3"]`, no WORKDIR.
// Debian slim has no Python of its own: /usr/bin/python3 does not exist there.
//
// The stand-in has the same: the host's Debian /usr/bin/python3.11 stored as /usr/local/bin/python3.11 (it finds its
// standard library from where it lies: getpath.py's landmark search, lib/python3.11/os.py), python3 and python links,
// the standard library in /usr/local/lib/python3.11 (without test/, idlelib, tkinter, ensurepip, __pycache__ ...), the
// shared libraries `ldd` lists for it and its extension modules, the dynamic loader, merged /usr (/bin -> usr/bin, as
// Debian bookworm and trixie have it), the same PATH, LANG and CMD, PYTHON_VERSION the host Python's version. Not
// in it: pip, setuptools, wheel (a Dockerfile that pip-installs needs the real image), idle/pydoc/python-config,
// ca-certificates, netbase, tzdata, and the build's GPG_KEY and PYTHON_SHA256 variables. A /bin/sh and a few
// coreutils-like commands come from busybox (the real image has dash and coreutils there; nothing else of busybox is
// linked, so nothing here works only because of busybox), with minimal /etc, and /tmp.
//
// It is built once per machine: labelled `kfp.test.stand-in=python` plus a hash of what went in, and rebuilt only when
// that changes. A `python:3.11-slim` WITHOUT our label (the real one, pulled on a machine with Docker Hub) is never
// overwritten: the tests then run on the real image. Several test files may call this at once: a lock folder in the
// temp dir serialises the builds across processes. Docker here runs with the vfs storage driver (every layer is a
// full copy), so the image is kept small (about 30 MB) and in one layer.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {Readable} from 'node:stream'
import {buildTestImage, tarContext} from './busybox-images.js'

export const PYTHON_TAG = 'python:3.11-slim'
export const STAND_IN_LABEL = 'kfp.test.stand-in'
const HASH_LABEL = 'kfp.test.stand-in.hash'
/** Bump when the recipe below changes in a way the file list does not show. */
const RECIPE = 'python-stand-in v3'

/** The host's Python and standard library, and where the real image has them (make install's /usr/local prefix). */
const PYTHON = '/usr/bin/python3.11'
const STDLIB = '/usr/lib/python3.11'
const IMAGE_PYTHON = '/usr/local/bin/python3.11'
const IMAGE_STDLIB = '/usr/local/lib/python3.11'
const BUSYBOX = '/usr/bin/busybox'
/** Left out of the standard library: tests, GUI, pip bootstrap, caches, the static libpython of config-*. */
const SKIP_DIRS = new Set(['test', 'idlelib', 'tkinter', 'turtledemo', 'ensurepip', 'lib2to3', '__pycache__', 'config-3.11-x86_64-linux-gnu'])
/** busybox applets linked in /usr/bin: commands Debian's slim image also has (dash, coreutils, grep, sed, findutils). */
const APPLETS = [
  'sh', 'ls', 'cat', 'cp', 'mv', 'rm', 'mkdir', 'rmdir', 'ln', 'chmod', 'echo', 'env', 'true', 'false', 'test', '[',
  'pwd', 'sleep', 'head', 'tail', 'wc', 'sort', 'uniq', 'cut', 'tr', 'date', 'id', 'uname', 'touch', 'dirname',
  'basename', 'readlink', 'realpath', 'grep', 'sed', 'find', 'xargs', 'tar', 'gzip', 'hostname', 'which',
]

type Entry = {name: string; type: 'file'; host: string; mode: number} | {name: string; type: 'symlink'; linkname: string} | {name: string; type: 'text'; content: string; mode: number}

/** The shared libraries (and the loader) `ldd` lists for these binaries, as host paths. */
function sharedLibraries(binaries: string[]): string[] {
  const libs = new Set<string>()
  for (const b of binaries) {
    const out = execFileSync('ldd', [b], {encoding: 'utf8'})
    for (const m of out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) libs.add(m[1])
  }
  return [...libs].sort()
}

/** Files of the standard library, symlinks resolved to their content (Debian links sitecustomize.py into /etc). */
function stdlibFiles(dir: string, out: Entry[]): void {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP_DIRS.has(name)) continue
    const p = path.join(dir, name)
    let st
    try {
      st = statSync(p)
    } catch {
      continue // a dangling symlink
    }
    if (st.isDirectory()) stdlibFiles(p, out)
    else if (st.isFile()) out.push({name: IMAGE_STDLIB + p.slice(STDLIB.length), type: 'file', host: p, mode: st.mode & 0o777})
  }
}

/** Everything that goes into the image, in order. */
function entries(): Entry[] {
  const out: Entry[] = []
  // Merged /usr, as Debian trixie (and so python:3.11-slim) has it.
  for (const [l, t] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']]) out.push({name: `/${l}`, type: 'symlink', linkname: t})
  out.push({name: IMAGE_PYTHON, type: 'file', host: PYTHON, mode: 0o755})
  out.push({name: '/usr/local/bin/python3', type: 'symlink', linkname: 'python3.11'})
  out.push({name: '/usr/local/bin/python', type: 'symlink', linkname: 'python3'})
  const dynload = readdirSync(path.join(STDLIB, 'lib-dynload')).filter((f) => f.endsWith('.so')).map((f) => path.join(STDLIB, 'lib-dynload', f))
  for (const lib of sharedLibraries([PYTHON, ...dynload])) {
    // Stored at its real path under /usr (the merged-/usr links make /lib/... and /lib64/... find it).
    const real = realpathSync(lib)
    out.push({name: real, type: 'file', host: real, mode: 0o755})
    const asUsr = lib.replace(/^\/(lib|lib64)\//, '/usr/$1/')
    if (asUsr !== real) out.push({name: asUsr, type: 'symlink', linkname: real})
  }
  stdlibFiles(STDLIB, out)
  out.push({name: '/usr/bin/busybox', type: 'file', host: BUSYBOX, mode: 0o755})
  for (const a of APPLETS) out.push({name: `/usr/bin/${a}`, type: 'symlink', linkname: 'busybox'})
  out.push({name: '/etc/passwd', type: 'text', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n', mode: 0o644})
  out.push({name: '/etc/group', type: 'text', content: 'root:x:0:\nnogroup:x:65534:\n', mode: 0o644})
  out.push({name: '/etc/os-release', type: 'text', content: 'PRETTY_NAME="kfp test stand-in for python:3.11-slim"\nID=debian\n', mode: 0o644})
  out.push({name: '/root/.keep', type: 'text', content: '', mode: 0o644})
  const seen = new Set<string>()
  return out.filter((e) => !seen.has(e.name) && seen.add(e.name))
}

/** The Dockerfile; `version` is the host Python's (the real image's PYTHON_VERSION is the full version, 3.11.<patch>). */
function dockerfile(version: string): string {
  return [
    'FROM scratch',
    'COPY rootfs/ /',
    // The real image's PATH, /usr/local/bin twice included.
    `ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 PYTHON_VERSION=${version}`,
    'CMD ["python3"]',
    '',
  ].join('\n')
}

/** The host Python's full version (`3.11.2`). */
function pythonVersion(): string {
  return execFileSync(PYTHON, ['-c', 'import platform; print(platform.python_version())'], {encoding: 'utf8'}).trim()
}

/** What the image is made of: the recipe and each file's path, size and mtime (cheap; changes with a host upgrade). */
function contentHash(list: Entry[], dockerFile: string): string {
  const h = createHash('sha256').update(RECIPE).update(dockerFile)
  for (const e of list) {
    if (e.type === 'file') {
      const st = statSync(e.host)
      h.update(`${e.name}\0${st.size}\0${st.mtimeMs}\n`)
    } else if (e.type === 'symlink') h.update(`${e.name}\0->${e.linkname}\n`)
    else h.update(`${e.name}\0${e.content}\n`)
  }
  return h.digest('hex').slice(0, 16)
}

/** A tar build context: rootfs/ and the Dockerfile. */
function buildContext(list: Entry[], dockerFile: string): Promise<Readable> {
  return tarContext(async (entry) => {
    await entry({name: 'rootfs/tmp', type: 'directory', mode: 0o1777})
    for (const e of list) {
      const name = `rootfs${e.name}`
      if (e.type === 'symlink') await entry({name, type: 'symlink', linkname: e.linkname})
      else if (e.type === 'file') await entry({name, mode: e.mode}, readFileSync(e.host))
      else await entry({name, mode: e.mode}, e.content)
    }
    await entry({name: 'Dockerfile', mode: 0o644}, dockerFile)
  })
}

/** Holds a lock folder in the temp dir while `fn` runs; waits for another process's lock (a dead holder's is broken). */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(os.tmpdir(), 'kfp-test-python-image.lock')
  const deadline = Date.now() + 10 * 60_000
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(path.join(lock, 'pid'), String(process.pid))
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      if (holderDead(lock)) {
        rmSync(lock, {recursive: true, force: true})
        continue
      }
      if (Date.now() > deadline) throw new Error(`waited 10 min for ${lock}; remove it if no test is running`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, {recursive: true, force: true})
  }
}

function holderDead(lock: string): boolean {
  let pid: number
  try {
    pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'))
  } catch {
    // Just created, pid not written yet; or left without one: stale after a minute.
    try {
      return Date.now() - lstatSync(lock).mtimeMs > 60_000
    } catch {
      return false
    }
  }
  try {
    process.kill(pid, 0)
    return false
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

export interface PythonImage {
  /** 'stand-in': our image (built now or earlier); 'real': a python:3.11-slim that is not ours, left as it is. */
  kind: 'stand-in' | 'real'
  /** Whether this call built it. */
  built: boolean
  durationMs: number
}

/** Whether the host has what the stand-in is made of (Debian's python3.11 and busybox). */
export function canBuildPythonStandIn(): boolean {
  return existsSync(PYTHON) && existsSync(path.join(STDLIB, 'os.py')) && existsSync(BUSYBOX)
}

/**
 * Makes sure the Docker daemon has a `python:3.11-slim`: the real one if it is there, else our stand-in (built unless
 * the same stand-in exists). Safe to call from parallel test files.
 */
export async function ensurePythonImage(): Promise<PythonImage> {
  const start = Date.now()
  const Docker = (await import('dockerode')).default
  const docker = new Docker()
  const present = async (): Promise<Record<string, string> | undefined> => {
    try {
      return (await docker.getImage(PYTHON_TAG).inspect()).Config?.Labels ?? {}
    } catch {
      return undefined
    }
  }
  const first = await present()
  if (first && first[STAND_IN_LABEL] !== 'python') return {kind: 'real', built: false, durationMs: Date.now() - start}
  if (!canBuildPythonStandIn()) throw new Error(`no ${PYTHON_TAG} in Docker and no ${PYTHON}, ${STDLIB} and ${BUSYBOX} on the host to build a stand-in from`)
  const list = entries()
  const dockerFile = dockerfile(pythonVersion())
  const hash = contentHash(list, dockerFile)
  if (first?.[HASH_LABEL] === hash) return {kind: 'stand-in', built: false, durationMs: Date.now() - start}
  return withLock(async () => {
    const now = await present()
    if (now && now[STAND_IN_LABEL] !== 'python') return {kind: 'real', built: false, durationMs: Date.now() - start}
    if (now?.[HASH_LABEL] === hash) return {kind: 'stand-in', built: false, durationMs: Date.now() - start}
    await buildTestImage(await buildContext(list, dockerFile), PYTHON_TAG, {[STAND_IN_LABEL]: 'python', [HASH_LABEL]: hash})
    return {kind: 'stand-in' as const, built: true, durationMs: Date.now() - start}
  })
}
