/** `date` columns: node-postgres gives a local-midnight Date, PGlite a string or Date; both as 'YYYY-MM-DD'. */
export function dateColumnText(d: Date | string): string {
  if (typeof d === 'string') return d.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
