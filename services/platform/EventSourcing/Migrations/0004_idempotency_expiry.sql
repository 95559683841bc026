-- Expired Idempotency-Key answers are deleted by age (Http/Commands.cs, IdempotencyCleanup, which
-- every service runs). The registry created this same index in its 0003 before it moved here;
-- "if not exists" with the same name makes either order harmless.
create index if not exists idempotency_created_at on idempotency (created_at);
