import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { type ClusterCommands, why } from './commands.js';
import { ProviderError } from './providers/provider.js';

/** --apply: server-side apply, then wait until any CRD in the file serves its kinds. */
export async function applyPrerequisite(commands: ClusterCommands, file: string, timeoutMs: number): Promise<void> {
  const applied = await commands.kubectl(['apply', '--server-side', '--filename', file], 120_000);
  if (applied.exitCode !== 0) throw new ProviderError(`--apply ${file} failed: ${why(applied)}`);
  const crds = commands.dryRun ? [] : listedCrds(readFileSync(file, 'utf8'));
  if (crds.length === 0) return;
  const established = await commands.kubectl(['wait', '--for=condition=Established', ...crds.map((name) => `customresourcedefinition/${name}`), `--timeout=${Math.round(timeoutMs / 1000)}s`], timeoutMs + 30_000);
  if (established.exitCode !== 0) throw new ProviderError(`the CRDs of --apply ${file} were not established: ${why(established)}`);
}

function listedCrds(text: string): string[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null)
    .filter((object) => object?.kind === 'CustomResourceDefinition' && typeof object.metadata?.name === 'string')
    .map((object) => String(object?.metadata?.name));
}

