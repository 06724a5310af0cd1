-- Online procedures (démarches): administrations build them, citizens file dossiers,
-- agents instruct them. Names follow demarches-simplifiees.fr where it has one.
create schema procedures;

-- The people the module knows, each signed in through Guichet's hub: citizens
-- ("usagers", by the pairwise subject the citizen federation gives this SP) and
-- public agents (by their ProConnect subject).
create table procedures.users (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('usager', 'agent')),
  sub text not null,
  email text,
  given_name text,
  family_name text,
  -- the pivot identity (usagers) or the professional claims (agents) of the last sign-in
  identity jsonb not null default '{}',
  -- notification preferences: e-mails besides the in-app inbox
  email_notifications boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (kind, sub)
);
create index users_agent_email on procedures.users (lower(email)) where kind = 'agent';

create table procedures.procedures (
  -- the procedure's number, as DS shows it
  id bigint generated always as identity (start with 1001) primary key,
  path text not null unique check (path ~ '^[a-z0-9](?:[a-z0-9-]{1,78}[a-z0-9])$'),
  title text not null check (length(title) between 3 and 200),
  description text not null default '',
  organisation text not null,
  contact_email text,
  audience text not null default '',
  documents text not null default '',
  estimated_minutes int check (estimated_minutes between 1 and 600),
  state text not null default 'brouillon' check (state in ('brouillon', 'publiee', 'close', 'depubliee')),
  for_individual boolean not null default true,
  -- declarative procedures: submitted dossiers move on by themselves
  declarative text check (declarative in ('en_instruction', 'accepte')),
  -- "silence vaut accord / refus": {decision: sva|svr, period, unit: day|week|month, resume: continue|reset}
  sva_svr jsonb,
  -- filing deadline: past it the procedure closes by itself, drafts can no longer be filed
  filing_deadline timestamptz,
  -- stable ids of fields are allocated from here, never reused
  next_stable_id int not null default 1,
  draft_revision_id bigint,
  published_revision_id bigint,
  -- e-mail templates per event, the administration's wording (French)
  notifications jsonb not null default '{}',
  -- attestation template: {enabled, title, body with --tags--, signatory}
  attestation jsonb,
  closing_reason text,
  replaced_by text,
  created_by bigint references procedures.users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  published_at timestamptz,
  closed_at timestamptz
);

create table procedures.revisions (
  id bigint generated always as identity primary key,
  procedure_id bigint not null references procedures.procedures (id),
  -- RevisionDefinition: fields, annotations, ineligibility rule (src/procedures/model.ts)
  definition jsonb not null,
  created_at timestamptz not null default now(),
  published_at timestamptz
);
create index revisions_procedure on procedures.revisions (procedure_id, id);
alter table procedures.procedures
  add foreign key (draft_revision_id) references procedures.revisions (id),
  add foreign key (published_revision_id) references procedures.revisions (id);

-- Administrators and instructors are named by e-mail: an agent may be added before
-- they first sign in; their ProConnect e-mail matches them at sign-in.
create table procedures.administrators (
  procedure_id bigint not null references procedures.procedures (id),
  email text not null check (email = lower(email)),
  added_at timestamptz not null default now(),
  primary key (procedure_id, email)
);
create index administrators_email on procedures.administrators (email);

create table procedures.groups (
  id bigint generated always as identity primary key,
  procedure_id bigint not null references procedures.procedures (id),
  label text not null,
  position int not null default 0,
  routing_rule jsonb,
  is_default boolean not null default false,
  closed boolean not null default false,
  unique (procedure_id, label)
);
create unique index groups_one_default on procedures.groups (procedure_id) where is_default;

create table procedures.group_instructors (
  group_id bigint not null references procedures.groups (id),
  email text not null check (email = lower(email)),
  notify_new_dossiers boolean not null default false,
  notify_messages boolean not null default true,
  primary key (group_id, email)
);
create index group_instructors_email on procedures.group_instructors (email);

create table procedures.dossiers (
  -- the dossier's number, as DS shows it
  id bigint generated always as identity primary key,
  procedure_id bigint not null references procedures.procedures (id),
  revision_id bigint not null references procedures.revisions (id),
  user_id bigint not null references procedures.users (id),
  state text not null default 'brouillon'
    check (state in ('brouillon', 'en_construction', 'en_instruction', 'accepte', 'refuse', 'sans_suite')),
  group_id bigint references procedures.groups (id),
  -- Values by stable id (src/procedures/model.ts), the applicant's and the agents' private annotations
  values jsonb not null default '{}',
  annotations jsonb not null default '{}',
  -- filed while the procedure was in test (brouillon): never counted, never exported
  for_preview boolean not null default false,
  prefilled boolean not null default false,
  archived boolean not null default false,
  -- what agents search in: number, applicant, values (kept by the application)
  search tsvector not null default ''::tsvector,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  values_updated_at timestamptz,
  annotations_updated_at timestamptz,
  deposited_at timestamptz,
  en_construction_at timestamptz,
  en_instruction_at timestamptz,
  processed_at timestamptz,
  motivation text,
  decision_file_id uuid,
  attestation_file_id uuid,
  sva_svr_decision_on date,
  -- days left on the "silence vaut accord / refus" clock while a correction request suspends it
  sva_svr_days_left int,
  deleted_by_user_at timestamptz
);
create index dossiers_user on procedures.dossiers (user_id, updated_at desc);
create index dossiers_list on procedures.dossiers (procedure_id, state, updated_at desc, id desc) where not for_preview;
create index dossiers_group on procedures.dossiers (group_id, state, updated_at desc, id desc) where not for_preview;
create index dossiers_search on procedures.dossiers using gin (search);
create index dossiers_values on procedures.dossiers using gin (values jsonb_path_ops);
create index dossiers_due on procedures.dossiers (sva_svr_decision_on) where sva_svr_decision_on is not null;

-- Prefill by API (DS's POST /api/public/v1/demarches/:id/dossiers): a dossier waiting for
-- the person who will claim it with the token (kept as a keyed hash).
create table procedures.prefills (
  token_hash text primary key,
  procedure_id bigint not null references procedures.procedures (id),
  values jsonb not null,
  dossier_id bigint references procedures.dossiers (id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);

create table procedures.follows (
  dossier_id bigint not null references procedures.dossiers (id),
  user_id bigint not null references procedures.users (id),
  created_at timestamptz not null default now(),
  primary key (dossier_id, user_id)
);
create index follows_user on procedures.follows (user_id);

-- The dossier's history: one row per transition (DS's traitements), who, when, why.
create table procedures.traitements (
  id bigint generated always as identity primary key,
  dossier_id bigint not null references procedures.dossiers (id),
  event text not null,
  state text not null,
  actor_kind text not null check (actor_kind in ('usager', 'instructeur', 'systeme', 'api')),
  actor text,
  motivation text,
  occurred_at timestamptz not null default now()
);
create index traitements_dossier on procedures.traitements (dossier_id, id);

create table procedures.files (
  id uuid primary key,
  procedure_id bigint references procedures.procedures (id),
  dossier_id bigint references procedures.dossiers (id),
  owner_user_id bigint references procedures.users (id),
  purpose text not null check (purpose in ('champ', 'message', 'decision', 'attestation', 'avis', 'receipt')),
  filename text not null,
  content_type text not null,
  kind text,
  size bigint not null check (size >= 0),
  sha256 bytea not null,
  storage_key text not null,
  created_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index files_dossier on procedures.files (dossier_id) where dossier_id is not null;

create table procedures.messages (
  id bigint generated always as identity primary key,
  dossier_id bigint not null references procedures.dossiers (id),
  author_kind text not null check (author_kind in ('usager', 'instructeur', 'expert', 'systeme')),
  author_email text,
  body text not null,
  file_ids uuid[] not null default '{}',
  -- a correction request: the dossier goes back to the applicant until they resubmit
  correction_reason text check (correction_reason in ('incorrect', 'incomplete', 'outdated')),
  correction_resolved_at timestamptz,
  created_at timestamptz not null default now()
);
create index messages_dossier on procedures.messages (dossier_id, id);

-- Expert opinions: an expert invited by e-mail answers through a link (token kept hashed).
create table procedures.avis (
  id bigint generated always as identity primary key,
  dossier_id bigint not null references procedures.dossiers (id),
  expert_email text not null,
  introduction text not null,
  question text,
  answer text,
  answer_yes_no boolean,
  confidential boolean not null default false,
  token_hash text not null unique,
  requested_by text not null,
  created_at timestamptz not null default now(),
  answered_at timestamptz,
  revoked_at timestamptz
);
create index avis_dossier on procedures.avis (dossier_id);

-- CSV-backed referentials an administrator uploads for `referentiel` fields.
create table procedures.referentiels (
  id text primary key,
  procedure_id bigint not null references procedures.procedures (id),
  name text not null,
  columns text[] not null,
  rows jsonb not null,
  created_at timestamptz not null default now()
);

-- The applicant's inbox (in-app notifications), and the agents' (opt-in).
create table procedures.notifications (
  id bigint generated always as identity primary key,
  user_id bigint not null references procedures.users (id),
  dossier_id bigint references procedures.dossiers (id),
  kind text not null,
  title text not null,
  body text not null,
  url text,
  event_id bigint,
  read_at timestamptz,
  created_at timestamptz not null default now(),
  unique (user_id, event_id, kind)
);
create index notifications_user on procedures.notifications (user_id, id desc);

-- E-mails to send, one per (outbox event, recipient): sent by a worker, retried while
-- the SMTP server is away, never sent again once it accepted the message.
create table procedures.emails (
  id bigint generated always as identity primary key,
  event_id bigint not null,
  to_address text not null,
  subject text not null,
  text_body text not null,
  html_body text,
  message_id text not null unique,
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'rejected')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  unique (event_id, to_address)
);
create index emails_due on procedures.emails (next_attempt_at) where status in ('pending', 'sending');

-- API tokens for the DS-compatible GraphQL API: created by an administrator, kept as
-- a keyed hash, scoped to procedures, read or write, with an expiry.
create table procedures.api_tokens (
  id bigint generated always as identity primary key,
  created_by bigint not null references procedures.users (id),
  name text not null,
  token_hash text not null unique,
  procedure_ids bigint[] not null,
  write_access boolean not null default false,
  expires_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);

create table procedures.webhooks (
  id bigint generated always as identity primary key,
  procedure_id bigint not null references procedures.procedures (id),
  url text not null,
  secret_enc text not null,
  events text[] not null,
  active boolean not null default true,
  created_at timestamptz not null default now()
);

create table procedures.webhook_deliveries (
  id bigint generated always as identity primary key,
  webhook_id bigint not null references procedures.webhooks (id),
  event_id text not null,
  event text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  last_status int,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  unique (webhook_id, event_id)
);
create index webhook_deliveries_due on procedures.webhook_deliveries (next_attempt_at) where status = 'pending';
