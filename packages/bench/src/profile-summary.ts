import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name + file:line) of a V8 .cpuprofile, as markdown table lines, biggest first. */
export function topFrames(profile: CpuProfile, root: string, count = 12): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (!node || delta < 0) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${relative(root, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + delta);
    totalUs += delta;
  });
  const busy = totalUs - [...self].filter(([key]) => key.startsWith('(idle)')).reduce((sum, [, us]) => sum + us, 0);
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, count);
  // Self time by where the code lives: which library (or our code, or node itself) the CPU goes to.
  const byOwner = new Map<string, number>();
  for (const [key, us] of self) {
    if (key.startsWith('(idle)')) continue;
    const owner = ownerOf(key.split('\t')[1] ?? '');
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
  }
  const owners = [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, count);
  return [
    `profiled ${(totalUs / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s`,
    '',
    '| busy self time by owner | % of busy |',
    '| --- | ---: |',
    ...owners.map(([owner, us]) => `| ${owner} | ${((us / busy) * 100).toFixed(1)} |`),
    '',
    '| self % of profile | function | where |',
    '| ---: | --- | --- |',
    ...rows.map(([key, us]) => {
      const [name, where] = key.split('\t');
      return `| ${((us / totalUs) * 100).toFixed(1)} | \`${name}\` | ${where ? `\`${where}\`` : ''} |`;
    }),
  ];
}

function ownerOf(where: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
  if (pkg) return pkg[1]!;
  if (where.startsWith('node:')) return 'node (runtime)';
  if (where === '') return '(native: GC, I/O, program)';
  const ours = /^((?:services|packages|emulators)\/[^/]+)/.exec(where);
  return ours ? ours[1]! : where.split(':')[0]!;
}

/** Summaries of every .cpuprofile under `directory/<component>/`. */
export async function summarizeProfiles(directory: string, root: string): Promise<Record<string, string[]>> {
  const summaries: Record<string, string[]> = {};
  for (const component of await readdir(directory).catch(() => [] as string[])) {
    const files = (await readdir(join(directory, component)).catch(() => [] as string[])).filter((file) => file.endsWith('.cpuprofile'));
    for (const file of files) {
      const profile = JSON.parse(await readFile(join(directory, component, file), 'utf8')) as CpuProfile;
      summaries[files.length > 1 ? `${component} (${file})` : component] = topFrames(profile, root);
    }
  }
  return summaries;
}
