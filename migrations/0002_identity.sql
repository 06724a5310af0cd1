-- Identity hub: the OpenID Connect federations (FranceConnect-, FranceConnect+- and
-- ProConnect-compatible), their service providers, identity providers and keys.

create schema if not exists identity;

-- oidc-provider's storage (sessions, interactions, grants, codes, tokens) for every
-- federation and demo identity provider, shared by all Guichet nodes.
create table identity.oidc_payloads (
  provider text not null,
  model text not null,
  id text not null,
  payload jsonb not null,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed_at timestamptz,
  primary key (provider, model, id)
);
create index oidc_payloads_grant on identity.oidc_payloads (provider, model, grant_id) where grant_id is not null;
create index oidc_payloads_uid on identity.oidc_payloads (provider, model, uid) where uid is not null;
create index oidc_payloads_expiry on identity.oidc_payloads (expires_at) where expires_at is not null;

-- Signing keys of each federation. Private keys are encrypted with a key derived
-- from GUICHET_SECRET. The newest active key of an algorithm signs; older ones are
-- still published until retired, so tokens they signed keep verifying.
create table identity.signing_keys (
  federation text not null,
  kid text not null,
  alg text not null,
  private_jwk_enc text not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz,
  primary key (federation, kid)
);

-- Service providers (OIDC clients). The client secret is never stored: it is
-- derived from `secret_salt` with a key derived from GUICHET_SECRET (HMAC), so the
-- database alone yields no usable secret, and HS256 signing still works.
create table identity.service_providers (
  client_id text primary key,
  federation text not null check (federation in ('citizen', 'citizen-plus', 'pro')),
  name text not null,
  -- sector of pairwise subjects: SPs sharing an entity_id see the same sub
  entity_id text not null,
  secret_salt text,
  metadata jsonb not null,
  consent_required boolean not null default false,
  idp_filter_mode text not null default 'deny' check (idp_filter_mode in ('allow', 'deny')),
  idp_filter text[] not null default '{}',
  allowed_idp_hints text[] not null default '{}',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Identity providers the hub relies on (any OpenID Provider, found by discovery).
-- The hub's client secret at the IdP is encrypted at rest.
create table identity.identity_providers (
  id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  federation text not null check (federation in ('citizen', 'citizen-plus', 'pro')),
  name text not null,
  issuer text not null,
  client_id text not null,
  client_secret_enc text,
  acr_values text[] not null,
  -- algorithm the IdP signs the hub's ID tokens with (RS256 is OpenID Connect's default)
  id_token_alg text not null default 'RS256' check (id_token_alg in ('RS256', 'ES256', 'PS256')),
  active boolean not null default true,
  -- display order in the chooser
  position integer not null default 0,
  created_at timestamptz not null default now()
);

-- The identity a person last signed in with, per federation account. The
-- account id is an HMAC of the pivot identity (citizens) or of the IdP and its
-- subject (professionals): the same person, whatever IdP, has one account.
create table identity.accounts (
  federation text not null,
  account_id text not null,
  claims jsonb not null,
  idp_id text not null,
  acr text not null,
  amr text[] not null default '{}',
  updated_at timestamptz not null default now(),
  primary key (federation, account_id)
);

-- Upstream logins in progress: the state sent to the IdP, bound to the hub's interaction.
create table identity.upstream_logins (
  state text primary key,
  federation text not null,
  interaction_uid text not null,
  idp_id text not null,
  nonce text not null,
  code_verifier text not null,
  acr text not null,
  -- set by the callback once the IdP answered: what the interaction resumes with
  result jsonb,
  created_at timestamptz not null default now()
);
create index upstream_logins_interaction on identity.upstream_logins (interaction_uid);

-- The person's connection history (FranceConnect's user dashboard): every login,
-- consent and logout, with the SP, the IdP, the level and the data transmitted.
-- Written by the outbox handler of `identity.connection` events (once per event);
-- the citizen-file module reads it through the identity module's index.ts.
create table identity.connection_events (
  id bigint generated always as identity primary key,
  event_id bigint not null unique,
  federation text not null,
  account_id text not null,
  kind text not null check (kind in ('login', 'consent', 'logout')),
  client_id text not null,
  sp_name text not null,
  idp_id text,
  acr text,
  claims text[] not null default '{}',
  occurred_at timestamptz not null
);
create index connection_events_account on identity.connection_events (federation, account_id, id desc);

-- The upstream IdP session behind each hub session, so that logging out of the
-- hub also ends the session at the identity provider.
create table identity.upstream_sessions (
  federation text not null,
  session_uid text not null,
  idp_id text not null,
  id_token text not null,
  expires_at timestamptz not null,
  primary key (federation, session_uid)
);

-- Logouts waiting for the identity provider to come back: where to send the browser then.
create table identity.pending_logouts (
  state text primary key,
  location text not null,
  created_at timestamptz not null default now()
);

-- Professional accounts (ProConnect): a stable random id per person, found again
-- by the identity provider and its subject. It is the public `sub` SPs receive.
create table identity.pro_accounts (
  idp_id text not null,
  idp_sub text not null,
  account_id uuid not null unique default gen_random_uuid(),
  primary key (idp_id, idp_sub)
);

-- A citizen's choices about identity providers (FranceConnect's user dashboard):
-- IdPs they block, and whether IdPs added after their choice are allowed.
create table identity.idp_preferences (
  account_id text primary key,
  blocked text[] not null default '{}',
  allow_future boolean not null default true,
  -- the IdPs that existed when the person chose; with allow_future = false, any other is blocked
  known_idps text[] not null default '{}',
  updated_at timestamptz not null default now()
);
