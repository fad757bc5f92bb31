-- Where the search for a bib range's lowest free number starts (ADR 0110).
CREATE TABLE "BibFloor" (
    "raceId" TEXT NOT NULL,
    "rangeStart" INTEGER NOT NULL,
    "next" INTEGER NOT NULL,

    CONSTRAINT "BibFloor_pkey" PRIMARY KEY ("raceId","rangeStart")
);

ALTER TABLE "BibFloor" ADD CONSTRAINT "BibFloor_raceId_fkey" FOREIGN KEY ("raceId") REFERENCES "Race"("id") ON DELETE CASCADE ON UPDATE CASCADE;
