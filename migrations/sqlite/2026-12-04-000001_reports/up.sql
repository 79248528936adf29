-- The annual report of each reporting union (附件1 全省工会消费扶贫情况统计表, issue 14). Kept in
-- step with migrations/postgres (same names, portable types). Whole yuan and whole people.

-- The office's settings for a year's round of reports: the deadline, and the share of the festival
-- total it asks to be spent on poverty-alleviation products.
CREATE TABLE report_rounds (
    year INTEGER PRIMARY KEY NOT NULL,
    deadline DATE NOT NULL,
    poverty_share_percent INTEGER NOT NULL CHECK (poverty_share_percent BETWEEN 0 AND 100),
    updated_at TIMESTAMP NOT NULL
);

-- One version of one union's report for one year. A submitted version is frozen; a correction is
-- the next version, and the earlier ones stay.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    year INTEGER NOT NULL,
    version INTEGER NOT NULL CHECK (version > 0),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    filled_unit TEXT NOT NULL DEFAULT '',
    filled_by TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('form', 'upload', 'prefill')),
    source_filename TEXT,
    return_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    UNIQUE (organisation_id, year, version)
);
CREATE INDEX reports_year ON reports(year, organisation_id, version);

CREATE TABLE report_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    position INTEGER NOT NULL,
    union_name TEXT NOT NULL,
    grassroots_unions BIGINT NOT NULL,
    members BIGINT NOT NULL,
    festival_standard_yuan BIGINT NOT NULL,
    festival_total_yuan BIGINT NOT NULL,
    planned_poverty_yuan BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    UNIQUE (report_id, position)
);
