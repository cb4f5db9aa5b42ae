"""commitment tallies kept with each write

Revision ID: d16a7a11e5a1
Revises: 2cbc6a8221e0
Create Date: 2026-12-02 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd16a7a11e5a1'
down_revision = '2cbc6a8221e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commitment_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_reported', 'not_started', 'in_progress', 'completed', 'stalled', name='commitment_tally_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('progress_sum', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['country_id'], ['country.id'], name=op.f('fk_commitment_tally_country_id_country')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_tally')),
    sa.UniqueConstraint('scope', 'scope_id', 'country_id', 'status', name=op.f('uq_commitment_tally_scope_scope_id_country_id_status'))
    )
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL if dialect == 'postgresql' else SQLITE:
        op.execute(sa.DDL(statement))
    op.execute(sa.DDL(RECOUNT[dialect]))  # the commitments already there


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS recommendation_tally_move ON recommendation')
        op.execute('DROP TRIGGER IF EXISTS commitment_tally_update ON commitment')
        op.execute('DROP TRIGGER IF EXISTS commitment_tally_insert_delete ON commitment')
        op.execute('DROP FUNCTION IF EXISTS tracker_move_recommendation_tally()')
        op.execute('DROP FUNCTION IF EXISTS tracker_count_commitment()')
    else:
        for name in ('recommendation_tally_move', 'commitment_tally_update',
                     'commitment_tally_delete', 'commitment_tally_insert'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    op.drop_table('commitment_tally')


# Frozen copies of tracker.models.tally's statements (a migration must not follow later code;
# DDL formats with %, hence %%).
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION tracker_count_commitment() RETURNS trigger AS $$
BEGIN
    -- The recommendation's theme and table as committed: a move waits for this
    -- transaction, or this for the move (either way each sees the other's rows).
    PERFORM 1 FROM recommendation
     WHERE id IN (NEW.recommendation_id, OLD.recommendation_id) FOR SHARE;
    -- One writer of an owner's tallies at a time, whatever rows it touches in what order:
    -- a transaction of many rows cannot deadlock with a single update.
    PERFORM pg_advisory_xact_lock(16016, COALESCE(NEW.country_id, OLD.country_id));
    IF TG_OP = 'UPDATE' AND NEW.country_id IS DISTINCT FROM OLD.country_id THEN
        PERFORM pg_advisory_xact_lock(16016, OLD.country_id);
    END IF;
    IF TG_OP = 'INSERT' THEN
        
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(to_char(c.due_date, 'YYYYMM') AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT NEW.country_id AS country_id, NEW.status AS status, NEW.progress AS progress, NEW.recommendation_id AS recommendation_id, NEW.due_date AS due_date, 1 AS sign) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum;
    ELSIF TG_OP = 'DELETE' THEN
        
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(to_char(c.due_date, 'YYYYMM') AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT OLD.country_id AS country_id, OLD.status AS status, OLD.progress AS progress, OLD.recommendation_id AS recommendation_id, OLD.due_date AS due_date, -1 AS sign) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum;
    ELSE
        
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(to_char(c.due_date, 'YYYYMM') AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT OLD.country_id AS country_id, OLD.status AS status, OLD.progress AS progress, OLD.recommendation_id AS recommendation_id, OLD.due_date AS due_date, -1 AS sign UNION ALL SELECT NEW.country_id AS country_id, NEW.status AS status, NEW.progress AS progress, NEW.recommendation_id AS recommendation_id, NEW.due_date AS due_date, 1 AS sign) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION tracker_move_recommendation_tally() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(16016, country_id)
       FROM (SELECT DISTINCT country_id FROM commitment WHERE recommendation_id = NEW.id
             ORDER BY country_id) AS owners;
    
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope, s.scope_id, c.country_id, c.status, SUM(s.sign), SUM(s.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM commitment AS c
CROSS JOIN (SELECT 'theme' AS scope, OLD.theme_id AS scope_id, -1 AS sign
            UNION ALL SELECT 'theme', NEW.theme_id, 1
            UNION ALL SELECT 'table', OLD.working_table_id, -1
            UNION ALL SELECT 'table', NEW.working_table_id, 1) AS s
WHERE c.recommendation_id = NEW.id
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql""",
    """DROP TRIGGER IF EXISTS commitment_tally_insert_delete ON commitment""",
    """CREATE TRIGGER commitment_tally_insert_delete AFTER INSERT OR DELETE ON commitment FOR EACH ROW EXECUTE FUNCTION tracker_count_commitment()""",
    """DROP TRIGGER IF EXISTS commitment_tally_update ON commitment""",
    """CREATE TRIGGER commitment_tally_update AFTER UPDATE ON commitment FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.progress IS DISTINCT FROM NEW.progress OR OLD.country_id IS DISTINCT FROM NEW.country_id OR OLD.recommendation_id IS DISTINCT FROM NEW.recommendation_id OR OLD.due_date IS DISTINCT FROM NEW.due_date) EXECUTE FUNCTION tracker_count_commitment()""",
    """DROP TRIGGER IF EXISTS recommendation_tally_move ON recommendation""",
    """CREATE TRIGGER recommendation_tally_move AFTER UPDATE ON recommendation FOR EACH ROW WHEN (OLD.theme_id IS DISTINCT FROM NEW.theme_id OR OLD.working_table_id IS DISTINCT FROM NEW.working_table_id) EXECUTE FUNCTION tracker_move_recommendation_tally()""",
]

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS commitment_tally_insert AFTER INSERT ON commitment BEGIN 
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(strftime('%%Y%%m', c.due_date) AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT NEW.country_id AS country_id, NEW.status AS status, NEW.progress AS progress, NEW.recommendation_id AS recommendation_id, NEW.due_date AS due_date, 1 AS sign) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum; END""",
    """CREATE TRIGGER IF NOT EXISTS commitment_tally_delete AFTER DELETE ON commitment BEGIN 
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(strftime('%%Y%%m', c.due_date) AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT OLD.country_id AS country_id, OLD.status AS status, OLD.progress AS progress, OLD.recommendation_id AS recommendation_id, OLD.due_date AS due_date, -1 AS sign) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum; END""",
    """CREATE TRIGGER IF NOT EXISTS commitment_tally_update AFTER UPDATE ON commitment WHEN OLD.status IS NOT NEW.status OR OLD.progress IS NOT NEW.progress OR OLD.country_id IS NOT NEW.country_id OR OLD.recommendation_id IS NOT NEW.recommendation_id OR OLD.due_date IS NOT NEW.due_date BEGIN 
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(strftime('%%Y%%m', c.due_date) AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT OLD.country_id AS country_id, OLD.status AS status, OLD.progress AS progress, OLD.recommendation_id AS recommendation_id, OLD.due_date AS due_date, -1 AS sign UNION ALL SELECT NEW.country_id AS country_id, NEW.status AS status, NEW.progress AS progress, NEW.recommendation_id AS recommendation_id, NEW.due_date AS due_date, 1 AS sign) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum; END""",
    """CREATE TRIGGER IF NOT EXISTS recommendation_tally_move AFTER UPDATE ON recommendation WHEN OLD.theme_id IS NOT NEW.theme_id OR OLD.working_table_id IS NOT NEW.working_table_id BEGIN 
INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope, s.scope_id, c.country_id, c.status, SUM(s.sign), SUM(s.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM commitment AS c
CROSS JOIN (SELECT 'theme' AS scope, OLD.theme_id AS scope_id, -1 AS sign
            UNION ALL SELECT 'theme', NEW.theme_id, 1
            UNION ALL SELECT 'table', OLD.working_table_id, -1
            UNION ALL SELECT 'table', NEW.working_table_id, 1) AS s
WHERE c.recommendation_id = NEW.id
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum; END""",
]

RECOUNT = {
    'postgresql': """INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(to_char(c.due_date, 'YYYYMM') AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT country_id, status, progress, recommendation_id, due_date, 1 AS sign FROM commitment) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum""",
    'sqlite': """INSERT INTO commitment_tally (scope, scope_id, country_id, status, count, progress_sum)
SELECT s.scope,
       CASE s.scope WHEN 'all' THEN 0 WHEN 'theme' THEN r.theme_id
                    WHEN 'due' THEN CAST(strftime('%%Y%%m', c.due_date) AS INTEGER) ELSE r.working_table_id END,
       c.country_id, c.status, SUM(c.sign), SUM(c.sign * CASE WHEN c.status = 'completed' THEN 100 ELSE COALESCE(c.progress, 0) END)
FROM (SELECT country_id, status, progress, recommendation_id, due_date, 1 AS sign FROM commitment) AS c
JOIN recommendation AS r ON r.id = c.recommendation_id
CROSS JOIN (SELECT 'all' AS scope UNION ALL SELECT 'due' UNION ALL SELECT 'table'
            UNION ALL SELECT 'theme') AS s
WHERE s.scope <> 'due' OR c.due_date IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
ON CONFLICT (scope, scope_id, country_id, status) DO UPDATE
SET count = commitment_tally.count + excluded.count,
    progress_sum = commitment_tally.progress_sum + excluded.progress_sum""",
}
