#!/usr/bin/env node
/**
 * Writes iocs/operation_triangulation.stix2, the indicator pack bundled with spyglass, from the
 * published facts listed below (Kaspersky Securelist, 2023-06-01; mvt-indicators
 * 2023-06_01_operation_triangulation). Deterministic: ids are UUIDv5 of the values, times fixed,
 * so re-running it gives the same bytes. Run: node scripts/build-triangulation-pack.mjs
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SECURELIST = "https://securelist.com/operation-triangulation/109842/";
const MVT_INDICATORS =
  "https://github.com/mvt-project/mvt-indicators/tree/main/2023-06_01_operation_triangulation";

/** The C2 domains Kaspersky published (Securelist, "Operation Triangulation", 2023-06-01). */
const KASPERSKY_DOMAINS = [
  "addatamarket.net",
  "backuprabbit.com",
  "businessvideonews.com",
  "cloudsponcer.com",
  "datamarketplace.net",
  "mobilegamerstats.com",
  "snoweeanalytics.com",
  "tagclick-cdn.com",
  "topographyupdates.com",
  "unlimitedteacup.com",
  "virtuallaughing.com",
  "web-trackers.com",
  "growthtransport.com",
  "anstv.net",
  "ans7tv.net",
];

/** The rest of mvt-indicators' Triangulation domains: found by pivoting on the infrastructure. */
const PIVOTED_DOMAINS = `8181data.com adcreatorfree.net adsfreetracking.com adsspacefree.com adtreks.net
baba8861.com balancedcistern.com beifang6688.com bestnewsfeed.net bestonlineads.net click-farm.net
cloudyundat.com crowd-tracking.com cruxness.com dreamshoppingphoto.com edgeserverapi.com fastads4free.com
fastfindads.net floranewstoday.net freeaddelivery.com freeadvertisementsonline.com futebolnoticia.net
globalpromonet.com haidishabu.com healthymarshmellow.com improvingfitness.net kickoffortea.com
koppercables.com mechanicsfoundry.com mediaclickers.net mediumgates.com mysyncs.com networkaccessory.com
nimbulusdrifting.net onlineadvalue.com pandabeachmetrics.com papershopclip.com perksync.com pleekerion.com
qinggang26.com quickdatafeed.com regionalcdn.net scoreclicks.com senlin83.com smartsavingmarketing.com
statherder.com static3video.com stretchingnoun.com swimporchingnow.com tangpingzy.com tempoinformacao.net
tenvmms.cloud titanhound.com tradeadvantages.com updateads.net updatedadsfree.com weathercasting.net
wheelgroupmarketing.com windpoweredalgae.com yuxbaozh1.com`.split(/\s+/);

/** Apple IDs of the iMessage senders (hashes in Kaspersky's report, cracked; list from mvt-indicators). */
const EMAILS = `travislong544@yahoo.com norsarall87@outlook.com jesteristhebestband@gmail.com
christineashleysmith@gmail.com homicidalwombat@yahoo.com nigelmlevy@gmail.com supercatman15@hotmail.com
shannonkelly404@gmail.com superhugger21@gmail.com parkourdiva@yahoo.com naturelover1972@outlook.com
sasquatchdreams@outlook.com trunkfullofbeans@yahoo.com danielhbarnes2@gmail.com patriotsman121@gmail.com
wheelsordoors@yahoo.com janahodges324@gmail.com mibarham@outlook.com tinyjax89@gmail.com
nonbaguette@yahoo.com slbrimms96@outlook.com costamaria91@outlook.com hyechink97@gmail.com
greatoleg9393@mail.com popanddangle@outlook.com maxjar90@mail.com chongwonnam@gmail.com
wopperplopper1@aol.com bajablaster101@gmail.com carlson31773@outlook.com fsozgur@outlook.com
soccerchk835@gmail.com stephamartinez122@gmail.com popcornkerner@gmail.com pupperoni1989@outlook.com
biglesterjames5@gmail.com`.split(/\s+/);

const CREATED = "2023-06-01T00:00:00.000Z";
const NAMESPACE = Buffer.from("6f6b2b1e9a5c4f0e8e1d2c3b4a596877", "hex");

/** RFC 4122 version-5 UUID of a name in our namespace. */
function uuid5(name) {
  const hash = createHash("sha1").update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const identity = {
  type: "identity",
  spec_version: "2.1",
  id: `identity--${uuid5("identity:spyglass")}`,
  created: CREATED,
  modified: CREATED,
  name: "Spyglass (compiled from published sources)",
  identity_class: "organization",
};
const malware = {
  type: "malware",
  spec_version: "2.1",
  id: `malware--${uuid5("malware:Operation Triangulation")}`,
  created: CREATED,
  modified: CREATED,
  created_by_ref: identity.id,
  name: "Operation Triangulation",
  description:
    "iOS implant delivered by zero-click iMessage exploits (Kaspersky, 2023). C2 domains from Kaspersky; " +
    "further domains, the attackers' Apple IDs and the BackupAgent process from mvt-indicators.",
  is_family: true,
  external_references: [
    { source_name: "Kaspersky Securelist", url: SECURELIST },
    { source_name: "mvt-indicators", url: MVT_INDICATORS },
  ],
};

const objects = [identity, malware];
function indicator(pattern, description, confidence) {
  const id = `indicator--${uuid5(`indicator:${pattern}`)}`;
  objects.push(
    {
      type: "indicator",
      spec_version: "2.1",
      id,
      created: CREATED,
      modified: CREATED,
      created_by_ref: identity.id,
      indicator_types: ["malicious-activity"],
      pattern,
      pattern_type: "stix",
      pattern_version: "2.1",
      valid_from: CREATED,
      description,
      confidence,
    },
    {
      type: "relationship",
      spec_version: "2.1",
      id: `relationship--${uuid5(`relationship:${pattern}`)}`,
      created: CREATED,
      modified: CREATED,
      relationship_type: "indicates",
      source_ref: id,
      target_ref: malware.id,
    },
  );
}

const quote = (value) => value.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
for (const domain of KASPERSKY_DOMAINS) {
  indicator(`[domain-name:value = '${quote(domain)}']`, "C2 domain published by Kaspersky", 85);
}
for (const domain of PIVOTED_DOMAINS.filter((d) => d !== "" && !KASPERSKY_DOMAINS.includes(d))) {
  indicator(`[domain-name:value = '${quote(domain)}']`, "Domain found by pivoting (mvt-indicators)", 50);
}
for (const email of EMAILS.filter((e) => e !== "")) {
  indicator(`[email-addr:value = '${quote(email)}']`, "Apple ID of an exploit iMessage sender", 85);
}
indicator(
  "[process:name = 'BackupAgent']",
  "Process name of the implant in DataUsage/netusage records (BackupAgent2 is legitimate)",
  70,
);

const bundle = { type: "bundle", id: `bundle--${uuid5("bundle:operation_triangulation")}`, objects };
const out = join(dirname(fileURLToPath(import.meta.url)), "..", "iocs", "operation_triangulation.stix2");
writeFileSync(out, `${JSON.stringify(bundle, null, 1)}\n`);
process.stdout.write(`wrote ${out}: ${(objects.length - 2) / 2} indicators\n`);
