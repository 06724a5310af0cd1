-- Optimistic writes (kernel/db/write-batch.ts, WriteBatch.expect): a write batch's
-- final SELECT calls this with the number of rows a guarded write changed, and the
-- whole statement fails (nothing of it written) when that write changed none:
-- the row it was meant for changed since it was read.
create function kernel.expect_rows(n bigint, what text) returns int language plpgsql as $$
begin
  if n = 0 then
    raise exception 'stale write: % changed since it was read', what using errcode = 'GU001';
  end if;
  return 1;
end
$$;
