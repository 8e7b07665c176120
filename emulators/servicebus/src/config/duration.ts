const pattern =
  /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const unitMs = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/**
 * Parses an ISO-8601 duration such as "PT1M", "P14D" or "PT0.5S" into
 * milliseconds (years count 365 days, months 30). Returns undefined when the
 * text is not a duration. Fractions are allowed so tests can use short locks.
 */
export function parseIsoDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  let total = 0;
  for (let i = 0; i < unitMs.length; i++) {
    const part = match[i + 1];
    if (part !== undefined) total += Number(part) * (unitMs[i] ?? 0);
  }
  return Math.round(total);
}
