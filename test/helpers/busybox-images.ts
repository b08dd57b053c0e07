// Builds tiny FROM-scratch test images holding a static busybox (there is no Docker Hub here), tagged with the image
// names that the golden IR files in ../shared/kfp-reference/ir-golden/ use.
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import type {Readable} from 'node:stream'

const BUSYBOX = '/usr/bin/busybox'

export interface BusyboxImage {
  tag: string
  /** Extra files: absolute path in the image → content (made executable when `exec`). */
  files?: Record<string, {content: string; exec?: boolean}>
  entrypoint?: string[]
}

/** `gsutil` for the two-step golden: `gsutil cat PATH` and `gsutil cp - PATH` on local paths. */
const GSUTIL = `#!/bin/sh
set -e
case "$1" in
  cat) cat "$2" ;;
  cp) if [ "$2" = "-" ]; then mkdir -p "$(dirname "$3")"; cat > "$3"; else mkdir -p "$(dirname "$3")"; cp "$2" "$3"; fi ;;
  *) echo "gsutil shim: unsupported $*" >&2; exit 2 ;;
esac
`

/** Entry point of the ingestion image of pipeline_with_resource_spec: writes the examples artifact. */
const INGESTOR = `#!/bin/sh
set -e
while [ $# -gt 0 ]; do
  case "$1" in
    --input-location) loc="$2"; shift 2 ;;
    --output-examples) out="$2"; shift 2 ;;
    *) shift ;;
  esac
done
mkdir -p "$(dirname "$out")"
echo "examples from $loc" > "$out"
echo "ingested $loc into $out"
`

/** Entry point of the trainer image: reads examples, writes a model, prints the memory limit it sees. */
const TRAINER = `#!/bin/sh
set -e
while [ $# -gt 0 ]; do
  case "$1" in
    --input-examples) ex="$2"; shift 2 ;;
    --optimizer) opt="$2"; shift 2 ;;
    --n_epochs) n="$2"; shift 2 ;;
    --output-model) out="$2"; shift 2 ;;
    *) shift ;;
  esac
done
mkdir -p "$(dirname "$out")"
echo "model($(cat "$ex"), optimizer=$opt, epochs=$n)" > "$out"
echo "trained with $opt for $n epochs"
`

/** The images the golden IR files and the engine's own fixtures need. */
export const GOLDEN_IMAGES: BusyboxImage[] = [
  {tag: 'registry.access.redhat.com/ubi9/python-311:latest'},
  {tag: 'google/cloud-sdk:slim', files: {'/bin/gsutil': {content: GSUTIL, exec: true}}},
  {tag: 'gcr.io/my-project/my-ingestor:latest', files: {'/entrypoint.sh': {content: INGESTOR, exec: true}}, entrypoint: ['/entrypoint.sh']},
  {tag: 'gcr.io/my-project/my-fancy-trainer:latest', files: {'/entrypoint.sh': {content: TRAINER, exec: true}}, entrypoint: ['/entrypoint.sh']},
  {tag: 'kfp-test/busybox:latest'},
]

function applets(): string[] {
  return execFileSync(BUSYBOX, ['--list'], {encoding: 'utf8'}).split('\n').filter((a) => a && a !== 'busybox')
}

type TarEntry = (header: Parameters<ReturnType<typeof import('tar-stream').pack>['entry']>[0], body?: string | Buffer) => Promise<void>

/** A tar build context, its entries written by `fill` (shared by the FROM-scratch test images here and in python-image.ts). */
export async function tarContext(fill: (entry: TarEntry) => Promise<void>): Promise<Readable> {
  const tar = await import('tar-stream')
  const pack = tar.pack()
  // Consume while writing: tar-stream applies backpressure, so awaiting entries without a reader would hang.
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => {
      chunks.push(c as Buffer)
    })
    pack.on('end', resolve)
    pack.on('error', reject)
  })
  const entry: TarEntry = (h, body) => new Promise<void>((resolve, reject) => pack.entry(h, body ?? '', (err) => (err ? reject(err) : resolve())))
  await fill(entry)
  pack.finalize()
  await done
  const {Readable: R} = await import('node:stream')
  return R.from([Buffer.concat(chunks)])
}

/** Builds `ctx` as `tag` with `labels`; fails on an error inside the progress events (followProgress reports none). */
export async function buildTestImage(ctx: Readable, tag: string, labels: Record<string, string>): Promise<void> {
  const Docker = (await import('dockerode')).default
  const docker = new Docker()
  const stream = await docker.buildImage(ctx as never, {t: tag, labels, rm: true, forcerm: true})
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: unknown, out: Array<{error?: string; errorDetail?: {message?: string}}>) => {
      const bad = out?.find((o) => o.error)
      if (err || bad) reject(new Error(`building ${tag}: ${bad?.error ?? String(err)}`))
      else resolve()
    }),
  )
}

/** A tar build context: busybox at /bin/busybox, a symlink per applet in /bin, the extra files, a Dockerfile. */
function buildContext(img: BusyboxImage): Promise<Readable> {
  return tarContext(async (entry) => {
    await entry({name: 'rootfs/bin/busybox', mode: 0o755}, readFileSync(BUSYBOX))
    for (const a of applets()) await entry({name: `rootfs/bin/${a}`, type: 'symlink', linkname: 'busybox'})
    await entry({name: 'rootfs/tmp/.keep', mode: 0o644}, '')
    for (const [p, f] of Object.entries(img.files ?? {})) await entry({name: `rootfs${p}`, mode: f.exec ? 0o755 : 0o644}, f.content)
    const lines = ['FROM scratch', 'COPY rootfs/ /', 'ENV PATH=/bin']
    if (img.entrypoint) lines.push(`ENTRYPOINT ${JSON.stringify(img.entrypoint)}`)
    else lines.push('CMD ["/bin/sh"]')
    await entry({name: 'Dockerfile', mode: 0o644}, lines.join('\n') + '\n')
  })
}

/** Builds the image unless an image with that tag and the same content label exists. */
export async function ensureBusyboxImage(img: BusyboxImage): Promise<void> {
  const Docker = (await import('dockerode')).default
  const docker = new Docker()
  const label = fingerprint(img)
  try {
    const info = await docker.getImage(img.tag).inspect()
    if (info.Config?.Labels?.['kfp-test'] === label) return
  } catch {}
  await buildTestImage(await buildContext(img), img.tag, {'kfp-test': label})
}

/** Builds every image of GOLDEN_IMAGES (quick when already built). */
export async function ensureGoldenImages(): Promise<void> {
  for (const img of GOLDEN_IMAGES) await ensureBusyboxImage(img)
}

function fingerprint(img: BusyboxImage): string {
  return createHash('sha256').update(JSON.stringify(img)).digest('hex').slice(0, 16)
}
