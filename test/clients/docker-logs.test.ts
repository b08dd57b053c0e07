// followLogs (src/clients/docker.ts) against the real daemon: a consumer that waits pauses the container's log
// stream (dockerode's demuxStream takes no backpressure itself), and every byte still arrives, in order.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createDockerClient} from '../../src/clients/docker.js'
import {ensureBusyboxImage} from '../helpers/busybox-images.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {settled} from '../helpers/settled.js'

const D = suite('docker followLogs backpressure')

const N = 1_000_000

D('a chunk whose consumer waits holds the stream; released, every line arrives in order', async () => {
  if (skipWithoutDocker('followLogs backpressure')) return
  await ensureBusyboxImage({tag: 'kfp-test/busybox:latest'})
  const docker = createDockerClient(process.env)
  const id = await docker.createContainer({image: 'kfp-test/busybox:latest', entrypoint: ['seq', '1', String(N)], labels: {'io.kfp-cli.test': 'docker-logs'}})
  try {
    await docker.startContainer(id)
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const chunks: Buffer[] = []
    let bytes = 0
    const exited = docker.waitContainer(id)
    const following = docker.followLogs(
      id,
      (c) => {
        chunks.push(c)
        bytes += c.length
        return gate
      },
      exited,
    )
    while (bytes === 0) await new Promise((r) => setTimeout(r, 50))
    const held = await settled(() => bytes)
    assert.ok(held < 3_000_000, `${held} bytes arrived while the consumer waited`)
    // Released only after the container exited: the daemon then ends a lagging follow stream early (json-file),
    // and followLogs must catch up from the container's log.
    assert.is(await exited, 0)
    release()
    await following
    const text = Buffer.concat(chunks).toString()
    assert.is(text.length, Array.from({length: N}, (_, i) => `${i + 1}\n`).join('').length)
    assert.ok(text === Array.from({length: N}, (_, i) => `${i + 1}\n`).join(''), 'lines lost or out of order')
  } finally {
    await docker.removeContainer(id)
  }
})

D.run()
