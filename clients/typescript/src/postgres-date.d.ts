// postgres-date 1.x (node-postgres' own timestamp parser) ships no types.
declare module 'postgres-date' {
  function parseDate(value: string): Date | number | null;
  export = parseDate;
}
