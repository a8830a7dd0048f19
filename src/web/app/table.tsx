// A table's column headings, once: every table on the pages names its
// columns the same way (scope="col"), a heading only screen readers read
// where the column holds buttons.

export type Column = string | { sr: string };

export function Head({ cols }: { cols: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          // A fixed list: a column's place is its identity.
          <th key={i} scope="col">
            {typeof c === "string" ? c : <span class="sr">{c.sr}</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}
