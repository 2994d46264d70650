/** Who is calling, as the authentication step established it. Route code knows only this. */
export interface Principal {
  accountId: string;
  projectId: string;
  /** From `X-App-UserId`: narrows every read and write to that app user's assets. */
  appUserId?: string;
  /** Set only for a replication rule's delivery acting on its replica (a fed replica refuses every other change). */
  ruleDelivery?: true;
}
