/** SQLite database images for generated backups, built in memory from a SQL script. */
import Database from "better-sqlite3";

/**
 * Runs `sql` in a fresh in-memory database and returns its image. With `wal`, header bytes 18-19 say
 * WAL mode, as on databases copied off a phone (sms.db, History.db) without their `-wal` file.
 */
export function buildSqlitePayload(sql: string, options: { wal?: boolean } = {}): Buffer {
  const db = new Database(":memory:");
  try {
    db.exec(sql);
    const image = db.serialize();
    if (options.wal === true) {
      image[18] = 2;
      image[19] = 2;
    }
    return image;
  } finally {
    db.close();
  }
}
