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
    return options.wal === true ? markWalMode(image) : image;
  } finally {
    db.close();
  }
}

/** Sets header bytes 18-19 to 2: a WAL-mode database copied without its -wal file, as phones hand them out. */
export function markWalMode(image: Buffer): Buffer {
  image[18] = 2;
  image[19] = 2;
  return image;
}
