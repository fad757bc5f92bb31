-- Room join codes grow from 6 to at least 10 characters (docs/decisions/0025-security-headers-and-demo-secrets.md),
-- because a 6-character code can be guessed. Every shorter code is replaced by a new 10-character one from
-- the same alphabet (no 0/O, 1/I/L). Old links stop working, and members see the new code on the room page.
--
-- Characters come from gen_random_uuid()'s strong random bytes: bytes 6 and 8 of a version-4 UUID carry its
-- version and variant bits, the other 14 are random. A byte of 248 (8 x 31) or more is skipped so every
-- character is equally likely. Three UUIDs give 42 bytes for 10 characters. The function is VOLATILE, so it
-- is called again for every row. No semicolons inside statements or comments: Prisma's driver adapter
-- splits migration scripts on them.
CREATE FUNCTION "startline_new_room_code"() RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', accepted.byte % 31 + 1, 1), '' ORDER BY accepted.draw)
  FROM (
    SELECT draws.draw, draws.byte
    FROM (
      SELECT row_number() OVER () AS draw, get_byte(uuids.bytes, position) AS byte
      FROM (SELECT uuid_send(gen_random_uuid()) AS bytes FROM generate_series(1, 3)) AS uuids,
        unnest(ARRAY[0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 15]) AS position
    ) AS draws
    WHERE draws.byte < 248
    ORDER BY draws.draw
    LIMIT 10
  ) AS accepted
$$;

UPDATE "Room" SET code = "startline_new_room_code"() WHERE char_length(code) < 10;

DROP FUNCTION "startline_new_room_code"();

ALTER TABLE "Room" ADD CONSTRAINT "Room_code_length" CHECK (char_length(code) >= 10);
