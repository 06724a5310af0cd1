-- The state of a login in progress at an identity provider (state, nonce, PKCE
-- verifier, the hub interaction) now travels in a sealed cookie scoped to the
-- callback, and the callback hands the result straight to the interaction:
-- nothing is stored per upstream login any more.
drop table identity.upstream_logins;
