/**
 * Child process of the crash test: starts (or resumes) a run of the crash workflow on a SQLite
 * store and drives it until the parent kills it with SIGKILL (or the run ends). Steps reach the
 * utility agent the production way: AgentRuntime requests over the in-process message bus.
 * argv: <sqlitePath> <effectsDir> <runId> <start|resume> <inputJson>
 */
import { openStore } from '../src/store/store.js';
import { UtilityAgent } from '../src/agents/utility/utility-agent.js';
import { runtimeInvoker, WORKFLOW_ENGINE_ID } from '../src/workflow/invoker.js';
import { InProcessBus } from '../src/bus/in-process/in-process-bus.js';
import { AgentRegistry } from '../src/agents/registry.js';
import { AgentRuntime } from '../src/agents/runtime.js';
import { LocalWorkflowExecutor } from '../src/workflow/local-executor.js';
import { parseDefinition } from '../src/workflow/definition.js';
import { crashWorkflow } from '../src/workflow/testing/crash-workflow.js';

const [sqlitePath, effectsDir, runId, mode, inputJson] = process.argv.slice(2);
const store = await openStore({ sqlitePath });
const bus = new InProcessBus();
const runtime = new AgentRuntime({ bus, registry: new AgentRegistry({ principals: { [WORKFLOW_ENGINE_ID]: ['*'] } }) });
await runtime.register(new UtilityAgent({ allowedDirs: [effectsDir] }));
const ex = new LocalWorkflowExecutor({ store, invoker: runtimeInvoker(runtime) });
if (mode === 'start') await ex.start(parseDefinition(crashWorkflow()), JSON.parse(inputJson) as Record<string, unknown>, { runId });
else await ex.resume(runId);
process.stdout.write('running\n');
const outcome = await ex.wait(runId);
process.stdout.write(`done ${outcome.status}\n`);
await ex.close();
await runtime.close();
await bus.close();
await store.close();
