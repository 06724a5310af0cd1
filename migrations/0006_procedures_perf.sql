-- The agents' list of a procedure, fast on a procedure of 100,000 dossiers (bench/procedures.ts).

-- The list's order (last change first, or oldest first) for a tab holding several states:
-- dossiers_list leads with the state, so "tous" or "à suivre" sorted every dossier of the
-- procedure (a sequential scan); this one is walked in order until the page is full.
create index dossiers_procedure_updated on procedures.dossiers (procedure_id, updated_at desc, id desc) where not for_preview;

-- The five tab counts of the list page, read from this index alone (index-only scans):
-- the counts by state, and the ids of the waiting dossiers to match with their follows,
-- instead of reading every dossier row of the procedure.
create index dossiers_tab_counts on procedures.dossiers (procedure_id, group_id, state, archived) include (id) where not for_preview;
