-- The procedures' integration API (src/procedures/api): what 0004's tables need for it.

-- Prefill by API: the dossier is created at once (as DS does), held by no one until the
-- person who opens the link signs in and claims it, once.
alter table procedures.prefills
  add column claimed_at timestamptz,
  add column claimed_by bigint references procedures.users (id);
create index prefills_dossier on procedures.prefills (dossier_id) where dossier_id is not null;
create index prefills_unclaimed on procedures.prefills (expires_at) where claimed_at is null;

create index api_tokens_procedures on procedures.api_tokens using gin (procedure_ids);
create index webhooks_procedure on procedures.webhooks (procedure_id);
create index webhook_deliveries_webhook on procedures.webhook_deliveries (webhook_id, id desc);

-- GraphQL's dossiers, by keyset as DS orders them: by filing date, or by last change when
-- the caller syncs with updatedSince. Drafts (no filing date) and previews are never listed.
create index dossiers_api_deposited on procedures.dossiers (procedure_id, deposited_at, id)
  where not for_preview and deposited_at is not null;
create index dossiers_api_state_deposited on procedures.dossiers (procedure_id, state, deposited_at, id)
  where not for_preview and deposited_at is not null;
create index dossiers_api_updated on procedures.dossiers (procedure_id, updated_at, id)
  where not for_preview and deposited_at is not null;
