import {copyFile, mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {createDockerClient, type DockerClient} from '../../src/clients/docker.js'
import {createExec} from '../../src/clients/exec.js'
import type {Ctx} from '../../src/ctx.js'
import type {Component, Project} from '../../src/core/project/types.js'
import {createPrompter} from '../../src/ui/prompts.js'

/** Writes a FROM-scratch component (static busybox + a script) into `<root>/components/<name>`. */
export async function writeBusyboxComponent(root: string, name: string, opts: {script?: string; dockerfile?: string} = {}): Promise<string> {
  const dir = path.join(root, 'components', name)
  await mkdir(dir, {recursive: true})
  await copyFile('/bin/busybox', path.join(dir, 'busybox'))
  await writeFile(path.join(dir, 'main.sh'), opts.script ?? `echo hello from ${name}\n`)
  await writeFile(
    path.join(dir, 'Dockerfile'),
    opts.dockerfile ?? 'FROM scratch\nCOPY busybox /bin/busybox\nWORKDIR /app\nCOPY main.sh /app/main.sh\nCMD ["/bin/busybox", "sh", "/app/main.sh"]\n',
  )
  return dir
}

/** A Project (as the loader would produce it) with one step per component, each built from its folder. */
export function busyboxProject(root: string, name: string, components: string[], registry?: string, withoutDockerfile: string[] = []): Project {
  const comp = (c: string): Component => ({
    name: c,
    dir: `components/${c}`,
    inputs: [],
    outputs: [],
    image: 'busybox:stock',
    command: ['/bin/busybox', 'sh', 'main.sh'],
    args: [],
    env: {},
    fileOutputs: {},
    hasDockerfile: !withoutDockerfile.includes(c),
  })
  return {
    root,
    file: path.join(root, 'kfp.yaml'),
    name,
    registry,
    params: [],
    steps: components.map((c, i) => ({number: i + 1, name: c, component: c, inputs: {}, cache: true, retries: 0, env: {}, after: [], fileOutputs: {}})),
    components: Object.fromEntries(components.map((c) => [c, comp(c)])),
    targets: {local: {name: 'local', type: 'local'}},
    defaultTarget: 'local',
  }
}

/** Writes the kfp.yaml and component.yaml files matching {@link busyboxProject}, for CLI tests. */
export async function writeBusyboxProjectFiles(root: string, name: string, components: string[], registry?: string): Promise<void> {
  for (const c of components) {
    await writeBusyboxComponent(root, c)
    await writeFile(
      path.join(root, 'components', c, 'component.yaml'),
      `name: ${c}\ndescription: busybox step ${c}\nimplementation:\n  container:\n    image: busybox:stock\n    command: [/bin/busybox, sh, main.sh]\n`,
    )
  }
  const lines = [`name: ${name}`, ...(registry ? [`registry: ${registry}`] : []), 'steps:', ...components.map((c) => `  - name: ${c}`), '']
  await writeFile(path.join(root, 'kfp.yaml'), lines.join('\n'))
}

/** Calls counted per DockerClient method. */
export type CallCounts = Record<string, number>

/** The real DockerClient wrapped so tests can count calls (e.g. "no build call was made"). */
export function countingDocker(env: Record<string, string | undefined>): {docker: DockerClient; calls: CallCounts} {
  const real = createDockerClient(env)
  const calls: CallCounts = {}
  const docker = new Proxy(real, {
    get(target, prop: string) {
      const v = (target as unknown as Record<string, unknown>)[prop]
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return {docker, calls}
}

/** A Ctx for service tests: real exec, no prompts, the given env and docker client. */
export function testCtx(cwd: string, env: Record<string, string | undefined>, docker?: DockerClient): Ctx {
  return {
    cwd,
    env,
    exec: createExec(env),
    prompter: createPrompter(false),
    now: () => new Date('2024-05-01T12:00:00Z'),
    signal: new AbortController().signal,
    clients: docker ? {docker: async () => docker} : {},
  }
}
