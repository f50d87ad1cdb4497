/** Installed configuration profiles: the profile stubs kept by the configuration-profiles daemon (MVT ConfigurationProfiles). */
import { isPlistDict } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromDate } from "../../model/time.js";
import { defineArtifact } from "../define.js";
import { assignDefined, TextCap } from "./_shared/system.js";

/** One installed configuration profile. */
export interface ConfigurationProfileRecord {
  payloadUuid?: string;
  payloadIdentifier?: string;
  displayName?: string;
  organization?: string;
  description?: string;
  /**
   * PayloadContent[i].PayloadType at index i (e.g. com.apple.notificationsettings,
   * com.apple.vpn.managed); null where that payload has no type or is not a dictionary, so indices
   * stay those of PayloadContent.
   */
  payloadTypes: (string | null)[];
  /** InstallDate of the stub when present, else the file's creation time (see installedAtSource). */
  installedAt?: string;
  installedAtSource?: "InstallDate" | "file_birth";
  /** Device path of the stub. */
  file: string;
  truncated?: string[];
}

const DIRS = [
  "/private/var/containers/Shared/SystemGroup/*/Library/ConfigurationProfiles",
  "/private/var/mobile/Library/ConfigurationProfiles",
];

/** Installed configuration profiles (VPN, certificates, MDM, notification settings…). */
export const configurationProfilesArtifact = defineArtifact<ConfigurationProfileRecord>({
  id: "ios/configuration-profiles",
  title: "Configuration profiles",
  description:
    "Configuration profiles installed on the device; spyware operators have used profiles (known UUIDs, hidden notifications, VPN and certificate payloads) to persist and intercept traffic.",
  sources: ["ios-backup", "fs-dump"],
  paths: DIRS.flatMap((dir) => [`${dir}/profile-*.stub`, `${dir}/profile-*.plist`, `${dir}/*.stub`]),
  iosVersions: "iOS 12–18",
  input: {
    kind: "plist",
    *parse(value, context) {
      if (!isPlistDict(value)) {
        context.warn({ code: "CORRUPT", message: "profile stub does not hold a dictionary" });
        return;
      }
      const cap = new TextCap();
      const record: ConfigurationProfileRecord = { payloadTypes: [], file: context.file.path };
      assignDefined(record, {
        payloadUuid: cap.text(value.PayloadUUID, "payloadUuid"),
        payloadIdentifier: cap.text(value.PayloadIdentifier, "payloadIdentifier"),
        displayName: cap.text(value.PayloadDisplayName, "displayName"),
        organization: cap.text(value.PayloadOrganization, "organization"),
        description: cap.text(value.PayloadDescription, "description"),
      });
      const content = value.PayloadContent;
      if (Array.isArray(content)) {
        for (const payload of content) {
          const type = isPlistDict(payload) ? cap.text(payload.PayloadType, "payloadTypes") : undefined;
          record.payloadTypes.push(type ?? null);
        }
      }
      const installed = fromDate(value.InstallDate);
      if (installed !== undefined) {
        record.installedAt = installed;
        record.installedAtSource = "InstallDate";
      } else if (context.file.birthAt !== undefined) {
        record.installedAt = context.file.birthAt;
        record.installedAtSource = "file_birth";
      }
      cap.finish(record);
      yield record;
    },
  },
  observables(record) {
    const out: Observable[] = [];
    if (record.payloadUuid !== undefined && record.payloadUuid !== "")
      out.push({ kind: "profile-id", value: record.payloadUuid, field: "payloadUuid" });
    if (record.payloadIdentifier !== undefined && record.payloadIdentifier !== "")
      out.push({ kind: "profile-id", value: record.payloadIdentifier, field: "payloadIdentifier" });
    out.push({ kind: "path", value: record.file, field: "file" });
    return out;
  },
  events(record) {
    if (record.installedAt === undefined) return [];
    const name = record.displayName ?? record.payloadIdentifier ?? record.payloadUuid ?? record.file;
    const typed = record.payloadTypes.filter((t) => t !== null);
    const types = typed.length === 0 ? "" : ` (${typed.join(", ")})`;
    return [
      {
        at: record.installedAt,
        event: "profile_installed",
        description: `Profile ${name} installed${types}`,
      },
    ];
  },
});
