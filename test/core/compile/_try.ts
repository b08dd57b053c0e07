import {loadProject} from '../../../src/services/project/load.js'
import {compilePipeline, renderPipelineYaml} from '../../../src/core/compile/index.js'
import {checkPipelineSpec} from '../../helpers/proto.js'
const p = await loadProject({cwd: 'test/fixtures/projects/babyweight'}, {env: {}})
console.log(JSON.stringify(p.steps[0]), JSON.stringify(p.components.preprocess.inputs))
const r = compilePipeline(p, {images: {}})
console.log(renderPipelineYaml(r.spec).slice(0, 3000))
console.log(checkPipelineSpec(r.spec))
