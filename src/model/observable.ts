/** What an artifact record can be checked against: the vocabulary shared by artifacts and the matcher. */

export type ObservableKind =
  | "domain"
  | "url"
  | "ip"
  | "email"
  | "process"
  | "path"
  | "file-name"
  | "app-id"
  | "profile-id"
  | "hash"
  | "cert-sha1";

/** One value in a record that indicators can match, with the record field it came from. */
export interface Observable {
  kind: ObservableKind;
  value: string;
  /** The record field, e.g. "url" or "session[3].url". */
  field: string;
}
