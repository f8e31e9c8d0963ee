// The command line the file-import scripts share (load-compounds, import-service-plans):
// one file argument and an optional --dry-run, the file read, the store connected, the report
// printed. Sets the exit code: 0 when everything loaded, 1 when some entries were rejected,
// 2 for bad usage, an unreadable file or a store error.
import { readFile } from 'node:fs/promises';
import { connectStore, type Connection } from '../../src/store/connection';

export interface ImportCli<K, R extends { rejected: readonly unknown[] }> {
  /** Printed as it is on bad usage. */
  usage: string;
  /** What the file's name tells the import (e.g. its format); undefined when the name is refused. */
  accept: (file: string) => K | undefined;
  /** Imports the file's text; with dryRun nothing is written. */
  run: (conn: Connection, text: string, kind: K, dryRun: boolean) => Promise<R>;
  /** The report as printed: what was loaded, and each rejected entry with its line. */
  format: (report: R) => string;
}

async function importMain<K, R extends { rejected: readonly unknown[] }>(argv: string[], cli: ImportCli<K, R>): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  const files = argv.filter((a) => a !== '--dry-run');
  const file = files[0];
  const kind = file === undefined || files.length > 1 || file.startsWith('--') ? undefined : cli.accept(file);
  if (file === undefined || kind === undefined) {
    console.error(cli.usage);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const url = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017/mulin';
  let conn;
  try {
    conn = await connectStore(url);
  } catch (err) {
    console.error(`cannot connect to the store: ${(err as Error).message}`);
    return 2;
  }
  try {
    const report = await cli.run(conn, text, kind, dryRun);
    console.log(cli.format(report) + (dryRun ? '\n(dry run: nothing was written)' : ''));
    return report.rejected.length > 0 ? 1 : 0;
  } catch (err) {
    console.error(`store error: ${(err as Error).message}`);
    return 2;
  } finally {
    await conn.close();
  }
}

/** Runs the import on `argv` (the arguments after the script's name) and sets process.exitCode. */
export async function runImportCli<K, R extends { rejected: readonly unknown[] }>(argv: string[], cli: ImportCli<K, R>): Promise<void> {
  try {
    process.exitCode = await importMain(argv, cli);
  } catch (err) {
    console.error(err);
    process.exitCode = 2;
  }
}
