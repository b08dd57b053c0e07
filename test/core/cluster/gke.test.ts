import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {clusterNameProblem, createClusterCmd, createClusterPlan, parseClusters, parseLabels, type CreateClusterSpec} from '../../../src/core/cluster/gke.js'

const gke = suite('gke argv plans')

const base: CreateClusterSpec = {name: 'kfp', location: {zone: 'us-central1-a'}, machineType: 'n1-standard-2', numNodes: 4, scopes: ['cloud-platform'], labels: {}}

gke('a fixed-size cluster: exact gcloud argv', () => {
  // When
  const cmd = createClusterCmd({...base, project: 'my-proj', releaseChannel: 'regular', labels: {team: 'ml', env: 'dev'}})
  // Then
  assert.is(cmd.file, 'gcloud')
  assert.equal(cmd.args, [
    'container', 'clusters', 'create', 'kfp', '--zone=us-central1-a', '--project=my-proj', '--machine-type=n1-standard-2',
    '--num-nodes=4', '--scopes=cloud-platform', '--release-channel=regular', '--labels=team=ml,env=dev', '--quiet',
  ])
})

gke('autoscaling: initial size within [min, max], region, version', () => {
  const cmd = createClusterCmd({...base, location: {region: 'us-central1'}, numNodes: undefined, autoscaling: {min: 3, max: 10}, clusterVersion: '1.30'})
  assert.equal(cmd.args, [
    'container', 'clusters', 'create', 'kfp', '--region=us-central1', '--machine-type=n1-standard-2',
    '--num-nodes=3', '--enable-autoscaling', '--min-nodes=3', '--max-nodes=10', '--scopes=cloud-platform', '--cluster-version=1.30', '--quiet',
  ])
  assert.ok(createClusterCmd({...base, autoscaling: {min: 0, max: 5}}).args.includes('--num-nodes=1'))
})

gke('the create plan: describe-guarded create, credentials, account, idempotent binding', () => {
  const plan = createClusterPlan(base)
  assert.equal(plan[0].unless?.args, ['container', 'clusters', 'describe', 'kfp', '--zone=us-central1-a', '--format=json'])
  assert.equal(plan[1].cmd.args, ['container', 'clusters', 'get-credentials', 'kfp', '--zone=us-central1-a'])
  assert.is(plan[2].capture, 'account')
  assert.equal(plan[3].cmd.args, ['apply', '-f', '-'])
  assert.equal(plan[3].stdinFrom?.args.slice(0, 2), ['create', 'clusterrolebinding'])
  assert.ok(plan[3].stdinFrom?.args.includes('--dry-run=client'))
})

gke('labels: key=value, one per flag; bad ones named', () => {
  assert.equal(parseLabels(['team=ml', 'note=a b', "o=it's"]), {labels: {team: 'ml', note: 'a b', o: "it's"}, problems: []})
  const bad = parseLabels(['novalue', '=x', 'a=1,b=2'])
  assert.is(bad.problems.length, 3)
  assert.match(bad.problems[0], /novalue/)
  assert.match(bad.problems[2], /one --label per key/)
})

gke('cluster names are checked', () => {
  assert.is(clusterNameProblem('kfp-1'), undefined)
  assert.match(clusterNameProblem('KFP')!, /Invalid cluster name/)
  assert.ok(clusterNameProblem('-x'))
})

gke('parseClusters reads gcloud list and describe JSON', () => {
  const list = parseClusters([{name: 'a', location: 'us-central1-a', status: 'RUNNING', currentNodeCount: 3, currentMasterVersion: '1.30.1', nodeConfig: {machineType: 'n1-standard-2'}}])
  assert.equal(list, [{name: 'a', location: 'us-central1-a', status: 'RUNNING', nodes: 3, version: '1.30.1', machineType: 'n1-standard-2', endpoint: undefined}])
  assert.is(parseClusters({name: 'one', zone: 'z'})[0].location, 'z')
  assert.equal(parseClusters(null), [])
})

gke.run()
