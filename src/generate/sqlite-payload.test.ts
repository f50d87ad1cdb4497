import { describe, expect, it } from "vitest";
import { openSqliteImage } from "../sqlite/open.js";
import { buildSqlitePayload } from "./sqlite-payload.js";

describe("buildSqlitePayload", () => {
  it("builds a database image, marked WAL on request", () => {
    const sql = "CREATE TABLE t (a TEXT); INSERT INTO t VALUES ('x'), ('y');";
    const rollback = buildSqlitePayload(sql);
    expect([rollback[18], rollback[19]]).toEqual([1, 1]);
    const wal = buildSqlitePayload(sql, { wal: true });
    expect([wal[18], wal[19]]).toEqual([2, 2]);
    const { db } = openSqliteImage(wal);
    expect(db.prepare("SELECT a FROM t ORDER BY a").all()).toEqual([{ a: "x" }, { a: "y" }]);
    db.close();
  });
});
