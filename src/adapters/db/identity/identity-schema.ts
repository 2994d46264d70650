/** Identity tables as stored (times: ISO-8601 UTC text; booleans: 0/1 integers for both engines). */
export interface IdentityDatabase {
  iam_accounts: { id: string; name: string; created_at: string };
  iam_users: { id: string; account_id: string; name: string; password_hash: string; enabled: number; token_generation: number; created_at: string };
  iam_credentials: {
    access_key: string;
    account_id: string;
    user_id: string | null;
    secret_enc: string;
    enabled: number;
    description: string | null;
    created_at: string;
  };
  iam_projects: { id: string; account_id: string; region: string; created_at: string };
  iam_regions: { name: string; endpoint: string; updated_at: string };
  iam_token_keys: { id: string; public_key_pem: string; private_key_enc: string; created_at: string };
}
