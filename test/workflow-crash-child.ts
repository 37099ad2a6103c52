/**
 * Child process of the crash test: starts (or resumes) a run of the crash workflow on a SQLite
 * store and drives it until the parent kills it with SIGKILL (or the run ends).
 * argv: <sqlitePath> <effectsDir> <runId> <start|resume> <inputJson>
 */
import { openStore } from '../src/store/store.js';
import { UtilityAgent } from '../src/agents/utility/utility-agent.js';
import { directInvoker } from '../src/workflow/invoker.js';
import { LocalWorkflowExecutor } from '../src/workflow/local-executor.js';
import { parseDefinition } from '../src/workflow/definition.js';
import { crashWorkflow } from '../src/workflow/testing/crash-workflow.js';

const [sqlitePath, effectsDir, runId, mode, inputJson] = process.argv.slice(2);
const store = await openStore({ sqlitePath });
const ex = new LocalWorkflowExecutor({ store, invoker: directInvoker([new UtilityAgent({ allowedDirs: [effectsDir] })]) });
if (mode === 'start') await ex.start(parseDefinition(crashWorkflow()), JSON.parse(inputJson) as Record<string, unknown>, { runId });
else await ex.resume(runId);
process.stdout.write('running\n');
const outcome = await ex.wait(runId);
process.stdout.write(`done ${outcome.status}\n`);
await ex.close();
await store.close();
