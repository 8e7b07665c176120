/** A Dockerfile, parsed just enough to check its shape: stages and their instructions. */
export interface Instruction {
  keyword: string;
  args: string;
}
export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}
export interface Dockerfile {
  /** ARGs declared before the first FROM (usable in FROM lines). */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

/** Joins `\` continuations, drops comments and blank lines, splits into stages. */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (pending === '' && /^\s*#/.test(line)) continue;
    if (/^\s*#/.test(line)) continue; // comment lines inside a continuation
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line.trim()).trim();
    pending = '';
    if (full !== '') logical.push(full);
  }
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : line.slice(space + 1).trim();
    if (keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: match?.[1] ?? args, ...(match?.[2] ? { name: match[2] } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [name, value] = args.split('=', 2);
        globalArgs.set(name as string, value);
      }
    } else {
      (stages[stages.length - 1] as Stage).instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** The base image of a stage with global ARG defaults substituted. */
export function baseImage(file: Dockerfile, stage: Stage): string {
  return stage.from.replace(/\$\{?(\w+)\}?/g, (_, name: string) => file.globalArgs.get(name) ?? `$${name}`);
}
