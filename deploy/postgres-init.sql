-- Runs once, on the first start of the official postgres image (/docker-entrypoint-initdb.d/).
-- One database per service (each service owns its data; DESIGN §1). UTF8 with a UTF-8 ctype:
-- pg_trgm only indexes characters the database's LC_CTYPE calls alphanumeric, and under 'C' it
-- drops every Chinese character (RECIPES §2b). template0 because template1's locale may differ.

CREATE DATABASE ecocomply_checklist TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
CREATE DATABASE ecocomply_cases     TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
CREATE DATABASE ecocomply_credit    TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
CREATE DATABASE ecocomply_audit     TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';

-- Chinese substring search (full-text over checklist and cases) uses trigram GIN indexes.
\connect ecocomply_checklist
CREATE EXTENSION IF NOT EXISTS pg_trgm;
\connect ecocomply_cases
CREATE EXTENSION IF NOT EXISTS pg_trgm;
\connect ecocomply_credit
CREATE EXTENSION IF NOT EXISTS pg_trgm;
\connect ecocomply_audit
CREATE EXTENSION IF NOT EXISTS pg_trgm;
