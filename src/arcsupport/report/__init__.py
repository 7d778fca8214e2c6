"""What people read: every renderer (one module per format or per command's table) over the
typed documents of `report/documents/`, and the JSON Schemas generated from those documents."""
