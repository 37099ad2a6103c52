import type { CommandModule } from '../context.js';
import { wantsJson } from '../context.js';
import { jsonSchemaOf, schemaRegistry } from '../../protocol/registry.js';
import { NovaError } from '../../errors.js';
import { printJson, printText } from '../output.js';

export const schemaCommand: CommandModule = (program) => {
  program
    .command('schema [name]')
    .description('print the JSON Schema of a protocol type (no name: list the types)')
    .option('--json', 'JSON output')
    .action((name: string | undefined, _opts, cmd) => {
      const names = Object.keys(schemaRegistry).sort();
      if (!name) {
        if (wantsJson(cmd)) printJson({ schemas: names });
        else printText(names.join('\n'));
        return;
      }
      const schema = jsonSchemaOf(name);
      if (!schema) throw new NovaError('NOT_FOUND', `no schema named "${name}"`, { hint: `Known schemas: ${names.join(', ')}`, exitCode: 2 });
      // A schema is JSON either way; --json changes nothing but is accepted for uniformity.
      printJson(schema);
    });
};
