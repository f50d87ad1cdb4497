import { createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deriveKeybagKek, wrapKey } from "./keybag-writer.js";

const KW_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");
const hex = (value: string): Buffer => Buffer.from(value, "hex");

function unwrap(kek: Buffer, wrapped: Buffer): Buffer {
  const decipher = createDecipheriv("id-aes256-wrap", kek, KW_IV);
  return Buffer.concat([decipher.update(wrapped), decipher.final()]);
}

describe("deriveKeybagKek", () => {
  it("matches the reference backup's documented KEK (../shared/corpus/backups/README.md)", async () => {
    const kek = await deriveKeybagKek("spyglass-test", {
      dpsl: hex("3fe001e59f85d346bfb42ffb9216e529d5e1a4a6"),
      dpic: 10_000,
      salt: hex("109d524251de1ae6d97a13cd754bb95588ac6fbb"),
      iter: 10_000,
    });
    expect(kek.toString("hex")).toBe("44a6e48a24a8a70d7f109236fd5b8ce556858300f30f5f7711434d52fdc2c436");
  });

  it("unwraps the hashcat mode 14800 self-test vector (DPIC 1000)", async () => {
    const kek = await deriveKeybagKek("hashcat", {
      dpsl: hex("99fafc983e732998adb9fadc162a2e382143f115"),
      dpic: 1000,
      salt: hex("2721336781705041205314422175267631184867"),
      iter: 10_000,
    });
    const wpky = hex("17a3b858e79bc273be43a9f113b71efe7ec8e7e401396b350180b4592ef45db67ffef7b2d64329a5");
    expect(unwrap(kek, wpky).toString("hex")).toBe(
      "2ed7042e87b50000fa6ba698661c000013194470a1f70000c35bd72ce0360000",
    );
  });
});

describe("wrapKey", () => {
  it("implements RFC 3394 (section 4.6 vector: 256-bit key data with a 256-bit KEK)", () => {
    const kek = hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    const key = hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F");
    expect(wrapKey(kek, key).toString("hex").toUpperCase()).toBe(
      "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
    );
  });
});
