-- A details change keeps what it changed as it was before (the fields of its event's from_state),
-- so a page of changes says "from → to" from its own rows. Versions written before this column
-- take the whole of the version they closed, which says the same.
ALTER TABLE product_versions ADD COLUMN details_before TEXT;
UPDATE product_versions SET details_before = (
    SELECT json_object(
        'name', closed.name,
        'specification', closed.specification,
        'unit_price_yuan', closed.unit_price_fen,
        'trademark', closed.trademark)
    FROM product_versions closed
    WHERE closed.product_id = product_versions.product_id
      AND closed.valid_to = product_versions.valid_from
    ORDER BY closed.id DESC
    LIMIT 1)
WHERE change_kind = 'details_changed';
