// libpg_query statement nodes → ast::Statement.
#include <cctype>

#include <pg_query.h>

#include "sql/parser/convert.h"
#include "sql/parser/parser.h"

namespace orbit::sql::parser {
namespace {

std::unique_ptr<ast::FromItem> ConvertFromItem(const PgQuery__Node& node);
std::string DeparseExpr(PgQuery__Node* expr);
std::vector<std::string> KeyNames(PgQuery__Node** keys, size_t n);
ast::TableName ConvertRangeVar(const PgQuery__RangeVar& r);

ast::ForeignKeyDef ConvertForeignKey(const PgQuery__Constraint& c, std::vector<std::string> columns) {
  if (c.deferrable || c.initdeferred) Unsupported("deferrable constraints", c.location);
  if (c.fk_matchtype != nullptr && c.fk_matchtype[0] == 'f') Unsupported("MATCH FULL", c.location);
  char on_update = c.fk_upd_action != nullptr && c.fk_upd_action[0] != '\0' ? c.fk_upd_action[0] : 'a';
  char on_delete = c.fk_del_action != nullptr && c.fk_del_action[0] != '\0' ? c.fk_del_action[0] : 'a';
  if (on_update != 'a' && on_update != 'r') Unsupported("ON UPDATE actions other than NO ACTION and RESTRICT", c.location);
  if (on_delete != 'a' && on_delete != 'r' && on_delete != 'c') {
    Unsupported("ON DELETE SET NULL / SET DEFAULT", c.location);
  }
  ast::ForeignKeyDef fk;
  fk.name = c.conname != nullptr ? c.conname : "";
  fk.columns = std::move(columns);
  fk.ref_table = ConvertRangeVar(*c.pktable);
  fk.ref_columns = KeyNames(c.pk_attrs, c.n_pk_attrs);
  fk.on_delete = on_delete;
  fk.location = c.location;
  return fk;
}

ast::TableName ConvertRangeVar(const PgQuery__RangeVar& r) {
  ast::TableName t;
  if (r.catalogname != nullptr && r.catalogname[0] != '\0') {
    Unsupported("cross-database references", r.location);
  }
  t.schema = r.schemaname != nullptr ? r.schemaname : "";
  t.name = r.relname;
  if (r.alias != nullptr) {
    if (r.alias->n_colnames > 0) Unsupported("column aliases in FROM", r.location);
    t.alias = r.alias->aliasname;
  }
  t.location = r.location;
  return t;
}

std::unique_ptr<ast::FromItem> ConvertFromItem(const PgQuery__Node& node) {
  auto item = std::make_unique<ast::FromItem>();
  if (node.node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
    item->table = ConvertRangeVar(*node.range_var);
    item->location = item->table.location;
    return item;
  }
  auto aliases = [&](const PgQuery__Alias* alias) {
    if (alias == nullptr) return;
    item->alias = alias->aliasname;
    for (size_t i = 0; i < alias->n_colnames; ++i) item->column_aliases.push_back(StringOf(*alias->colnames[i]));
  };
  if (node.node_case == PG_QUERY__NODE__NODE_RANGE_SUBSELECT) {
    const PgQuery__RangeSubselect& r = *node.range_subselect;
    if (r.lateral) Unsupported("LATERAL");
    if (r.subquery == nullptr || r.subquery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
      Unsupported("this kind of subquery in FROM");
    }
    if (r.alias == nullptr) Throw("42601", "subquery in FROM must have an alias");
    item->subquery = ConvertSelect(*r.subquery->select_stmt);
    aliases(r.alias);
    return item;
  }
  if (node.node_case == PG_QUERY__NODE__NODE_RANGE_FUNCTION) {
    const PgQuery__RangeFunction& r = *node.range_function;
    if (r.lateral) Unsupported("LATERAL");
    item->ordinality = r.ordinality;
    if (r.is_rowsfrom || r.n_functions != 1 || r.n_coldeflist > 0) Unsupported("ROWS FROM and column definition lists");
    const PgQuery__Node& pair = *r.functions[0];
    if (pair.node_case != PG_QUERY__NODE__NODE_LIST || pair.list->n_items < 1) Unsupported("this function in FROM");
    item->function = ConvertExpr(*pair.list->items[0]);
    if (item->function->kind != ast::ExprKind::kFunction) Unsupported("this function in FROM");
    item->alias = item->function->names.back();
    aliases(r.alias);
    return item;
  }
  if (node.node_case != PG_QUERY__NODE__NODE_JOIN_EXPR) Unsupported(NodeName(node) + " in FROM");
  const PgQuery__JoinExpr& j = *node.join_expr;
  if (j.is_natural) Unsupported("NATURAL JOIN");
  if (j.n_using_clause > 0) Unsupported("JOIN ... USING");
  if (j.alias != nullptr) Unsupported("an alias for a join");
  switch (j.jointype) {
    case PG_QUERY__JOIN_TYPE__JOIN_INNER: item->join = ast::JoinType::kInner; break;
    case PG_QUERY__JOIN_TYPE__JOIN_LEFT: item->join = ast::JoinType::kLeft; break;
    case PG_QUERY__JOIN_TYPE__JOIN_RIGHT: item->join = ast::JoinType::kRight; break;
    case PG_QUERY__JOIN_TYPE__JOIN_FULL: item->join = ast::JoinType::kFull; break;
    default: Unsupported("this kind of join");
  }
  item->left = ConvertFromItem(*j.larg);
  item->right = ConvertFromItem(*j.rarg);
  item->location = item->left->location;
  if (j.quals != nullptr) item->on = ConvertExpr(*j.quals);
  return item;
}

std::vector<ast::SelectItem> ConvertTargets(PgQuery__Node** list, size_t n) {
  std::vector<ast::SelectItem> out;
  for (size_t i = 0; i < n; ++i) {
    const auto& target = *list[i]->res_target;
    if (target.n_indirection > 0) Unsupported("subscripts in the select list", target.location);
    ast::SelectItem item;
    item.expr = ConvertExpr(*target.val);
    if (target.name != nullptr) item.alias = target.name;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::unique_ptr<ast::Select> ConvertSelect(const PgQuery__SelectStmt& s) {
  if (s.with_clause != nullptr) Unsupported("WITH queries");
  if (s.into_clause != nullptr) Unsupported("SELECT INTO");
  if (s.n_window_clause > 0) Unsupported("WINDOW clauses");
  if (s.n_locking_clause > 0) Unsupported("FOR UPDATE/SHARE");
  if (s.limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES) Unsupported("FETCH ... WITH TIES");
  auto out = std::make_unique<ast::Select>();
  if (s.op != PG_QUERY__SET_OPERATION__SETOP_NONE) {
    out->set_op = s.op == PG_QUERY__SET_OPERATION__SETOP_UNION       ? "UNION"
                  : s.op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? "INTERSECT"
                                                                     : "EXCEPT";
    out->set_all = s.all;
    out->set_left = ConvertSelect(*s.larg);
    out->set_right = ConvertSelect(*s.rarg);
  }
  for (size_t i = 0; i < s.n_values_lists; ++i) {
    const auto& row = *s.values_lists[i]->list;
    std::vector<ast::ExprPtr> values;
    for (size_t j = 0; j < row.n_items; ++j) values.push_back(ConvertExpr(*row.items[j]));
    out->values.push_back(std::move(values));
  }
  out->targets = ConvertTargets(s.target_list, s.n_target_list);
  if (s.n_from_clause == 1 && s.from_clause[0]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR) {
    out->from = ConvertRangeVar(*s.from_clause[0]->range_var);
  } else {
    for (size_t i = 0; i < s.n_from_clause; ++i) {
      auto item = ConvertFromItem(*s.from_clause[i]);
      if (!out->joins) {
        out->joins = std::move(item);
        continue;
      }
      auto cross = std::make_unique<ast::FromItem>();  // "a, b": a cross join
      cross->location = item->location;
      cross->left = std::move(out->joins);
      cross->right = std::move(item);
      out->joins = std::move(cross);
    }
  }
  if (s.where_clause != nullptr) out->where = ConvertExpr(*s.where_clause);
  for (size_t i = 0; i < s.n_group_clause; ++i) out->group_by.push_back(ConvertExpr(*s.group_clause[i]));
  if (s.having_clause != nullptr) out->having = ConvertExpr(*s.having_clause);
  for (size_t i = 0; i < s.n_sort_clause; ++i) {
    const auto& sort = *s.sort_clause[i]->sort_by;
    if (sort.sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING) Unsupported("ORDER BY ... USING", sort.location);
    ast::OrderItem item;
    item.expr = ConvertExpr(*sort.node);
    item.descending = sort.sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
    if (sort.sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST) item.nulls_first = true;
    if (sort.sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST) item.nulls_first = false;
    out->order_by.push_back(std::move(item));
  }
  // LIMIT ALL arrives as a NULL constant, which the binder treats as no limit.
  if (s.limit_count != nullptr) out->limit = ConvertExpr(*s.limit_count);
  if (s.limit_offset != nullptr) out->offset = ConvertExpr(*s.limit_offset);
  if (s.n_distinct_clause > 0) {
    // DISTINCT is a list with one empty node; DISTINCT ON (...) lists expressions.
    if (s.n_distinct_clause > 1 || s.distinct_clause[0]->node_case != PG_QUERY__NODE__NODE__NOT_SET) {
      Unsupported("DISTINCT ON");
    }
    out->distinct = true;
  }
  return out;
}

namespace {

// SET column = value, ... (UPDATE, ON CONFLICT DO UPDATE).
std::vector<ast::Assignment> ConvertAssignments(PgQuery__Node** targets, size_t n) {
  std::vector<ast::Assignment> out;
  for (size_t i = 0; i < n; ++i) {
    const auto& t = *targets[i]->res_target;
    if (t.n_indirection > 0) Unsupported("subscripts in SET", t.location);
    if (t.val->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF) Unsupported("SET (a, b) = ...", t.location);
    out.push_back(ast::Assignment{t.name, t.location, ConvertExpr(*t.val)});
  }
  return out;
}

ast::Insert ConvertInsert(const PgQuery__InsertStmt& s) {
  if (s.with_clause != nullptr) Unsupported("WITH queries");
  if (s.override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_SYSTEM_VALUE ||
      s.override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_USER_VALUE) {
    Unsupported("OVERRIDING");
  }
  ast::Insert out;
  out.table = ConvertRangeVar(*s.relation);
  for (size_t i = 0; i < s.n_cols; ++i) {
    const auto& col = *s.cols[i]->res_target;
    if (col.n_indirection > 0) Unsupported("subscripts in INSERT column lists", col.location);
    out.columns.push_back(col.name);
  }
  if (s.select_stmt == nullptr) {  // DEFAULT VALUES: one row of defaults, no columns given
    out.source = std::make_unique<ast::Select>();
    out.source->values.emplace_back();
  } else {
    out.source = ConvertSelect(*s.select_stmt->select_stmt);
  }
  if (s.on_conflict_clause != nullptr) {
    const auto& oc = *s.on_conflict_clause;
    if (oc.action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE) {
      out.on_conflict_do_update = true;
      out.conflict_set = ConvertAssignments(oc.target_list, oc.n_target_list);
      if (oc.where_clause != nullptr) out.conflict_where = ConvertExpr(*oc.where_clause);
    } else {
      out.on_conflict_do_nothing = true;
    }
    out.conflict_location = oc.location;
    if (oc.infer != nullptr) {
      const auto& infer = *oc.infer;
      if (infer.where_clause != nullptr) Unsupported("ON CONFLICT ... WHERE", infer.location);
      if (infer.conname != nullptr && infer.conname[0] != '\0') out.conflict_constraint = infer.conname;
      for (size_t i = 0; i < infer.n_index_elems; ++i) {
        const auto& elem = *infer.index_elems[i]->index_elem;
        if (elem.name == nullptr || elem.name[0] == '\0') Unsupported("ON CONFLICT on expressions", infer.location);
        out.conflict_columns.push_back(elem.name);
      }
    }
  }
  out.returning = ConvertTargets(s.returning_list, s.n_returning_list);
  return out;
}

ast::Update ConvertUpdate(const PgQuery__UpdateStmt& s) {
  if (s.with_clause != nullptr) Unsupported("WITH queries");
  if (s.n_from_clause > 0) Unsupported("UPDATE ... FROM");
  ast::Update out;
  out.table = ConvertRangeVar(*s.relation);
  out.assignments = ConvertAssignments(s.target_list, s.n_target_list);
  if (s.where_clause != nullptr) out.where = ConvertExpr(*s.where_clause);
  out.returning = ConvertTargets(s.returning_list, s.n_returning_list);
  return out;
}

ast::Delete ConvertDelete(const PgQuery__DeleteStmt& s) {
  if (s.with_clause != nullptr) Unsupported("WITH queries");
  if (s.n_using_clause > 0) Unsupported("DELETE ... USING");
  ast::Delete out;
  out.table = ConvertRangeVar(*s.relation);
  if (s.where_clause != nullptr) out.where = ConvertExpr(*s.where_clause);
  out.returning = ConvertTargets(s.returning_list, s.n_returning_list);
  return out;
}

std::vector<std::string> KeyNames(PgQuery__Node** keys, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(StringOf(*keys[i]));
  return out;
}

ast::ColumnDef ConvertColumnDef(const PgQuery__ColumnDef& cd, const std::string& table,
                                std::vector<std::string>& primary_key, int& primary_key_location,
                                std::vector<ast::UniqueKey>* unique_keys, std::vector<ast::CheckDef>* checks = nullptr,
                                std::vector<ast::ForeignKeyDef>* foreign_keys = nullptr) {
    ast::ColumnDef col;
    col.name = cd.colname;
    col.location = cd.location;
    const auto& tn = *cd.type_name;
    std::string type_name = tn.n_names == 1 ? StringOf(*tn.names[0]) : "";
    if (type_name == "serial" || type_name == "serial4" || type_name == "bigserial" || type_name == "serial8" ||
        type_name == "smallserial" || type_name == "serial2") {
      if (tn.n_typmods > 0 || tn.n_array_bounds > 0) Unsupported("serial with modifiers", tn.location);
      col.serial = true;
      col.not_null = true;
      col.type = Type(type_name == "bigserial" || type_name == "serial8"      ? TypeId::kInt8
                      : type_name == "smallserial" || type_name == "serial2" ? TypeId::kInt2
                                                                              : TypeId::kInt4);
    } else {
      col.type = ConvertTypeName(tn);
    }
    if (cd.coll_clause != nullptr) Unsupported("COLLATE", cd.location);
    for (size_t j = 0; j < cd.n_constraints; ++j) {
      const auto& c = *cd.constraints[j]->constraint;
      switch (c.contype) {
        case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL: col.not_null = true; break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_NULL: col.not_null = false; break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
          col.default_value = ConvertExpr(*c.raw_expr);
          col.default_sql = DeparseExpr(c.raw_expr);
          break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
          if (c.n_options > 0) Unsupported("identity sequence options", c.location);
          col.identity = c.generated_when != nullptr && c.generated_when[0] == 'a' ? 'a' : 'd';
          col.not_null = true;
          break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
          if (col.primary_key || !primary_key.empty()) {
            Throw("42P16", "multiple primary keys for table \"" + table + "\" are not allowed", c.location);
          }
          col.primary_key = true;
          primary_key = {col.name};
          primary_key_location = c.location;
          break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
          if (unique_keys == nullptr || c.nulls_not_distinct) Unsupported("UNIQUE here", c.location);
          unique_keys->push_back({c.conname != nullptr ? c.conname : "", {cd.colname}, c.location});
          break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
          if (checks == nullptr || c.is_no_inherit) Unsupported("CHECK here", c.location);
          checks->push_back({c.conname != nullptr ? c.conname : "", cd.colname, DeparseExpr(c.raw_expr),
                             ConvertExpr(*c.raw_expr), c.location});
          break;
        case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
          if (foreign_keys == nullptr) Unsupported("REFERENCES here", c.location);
          foreign_keys->push_back(ConvertForeignKey(c, {cd.colname}));
          break;
        default: Unsupported("column constraints other than NOT NULL, DEFAULT, PRIMARY KEY, UNIQUE, CHECK and REFERENCES", c.location);
      }
    }
    return col;
}

ast::CreateTable ConvertCreate(const PgQuery__CreateStmt& s) {
  if (s.n_inh_relations > 0 || s.partspec != nullptr || s.partbound != nullptr || s.of_typename != nullptr) {
    Unsupported("inheritance, partitioning and typed tables");
  }
  if (s.relation->relpersistence != nullptr && s.relation->relpersistence[0] == 't') {
    Unsupported("temporary tables", s.relation->location);
  }
  // Storage options (WITH (fillfactor=100)), tablespaces and UNLOGGED are accepted
  // and have no meaning for Orbit's storage.
  ast::CreateTable out;
  out.table = ConvertRangeVar(*s.relation);
  out.if_not_exists = s.if_not_exists;
  auto table_constraint = [&](const PgQuery__Constraint& c) {
    if (c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE && !c.nulls_not_distinct) {
      out.unique_keys.push_back({c.conname != nullptr ? c.conname : "", KeyNames(c.keys, c.n_keys), c.location});
      return;
    }
    if (c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK && !c.is_no_inherit) {
      out.checks.push_back({c.conname != nullptr ? c.conname : "", "", DeparseExpr(c.raw_expr), ConvertExpr(*c.raw_expr),
                            c.location});
      return;
    }
    if (c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
      out.foreign_keys.push_back(ConvertForeignKey(c, KeyNames(c.fk_attrs, c.n_fk_attrs)));
      return;
    }
    if (c.contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY) {
      Unsupported("table constraints other than PRIMARY KEY, UNIQUE, CHECK and FOREIGN KEY", c.location);
    }
    if (!out.primary_key.empty()) {
      Throw("42P16", "multiple primary keys for table \"" + out.table.name + "\" are not allowed", c.location);
    }
    out.primary_key = KeyNames(c.keys, c.n_keys);
    out.primary_key_location = c.location;
  };
  for (size_t i = 0; i < s.n_table_elts; ++i) {
    const PgQuery__Node& elt = *s.table_elts[i];
    if (elt.node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
      table_constraint(*elt.constraint);
      continue;
    }
    if (elt.node_case != PG_QUERY__NODE__NODE_COLUMN_DEF) Unsupported(NodeName(elt) + " in CREATE TABLE");
    ast::ColumnDef col =
        ConvertColumnDef(*elt.column_def, out.table.name, out.primary_key, out.primary_key_location, &out.unique_keys, &out.checks,
                         &out.foreign_keys);
    out.columns.push_back(std::move(col));
  }
  for (size_t i = 0; i < s.n_constraints; ++i) table_constraint(*s.constraints[i]->constraint);
  return out;
}

ast::CreateIndex ConvertIndex(const PgQuery__IndexStmt& s) {
  if (s.access_method != nullptr && std::string_view(s.access_method) != "btree") {
    Unsupported(std::string("index method ") + s.access_method);
  }
  if (s.where_clause != nullptr) Unsupported("partial indexes");
  if (s.n_index_including_params > 0) Unsupported("INCLUDE columns");
  if (s.nulls_not_distinct) Unsupported("NULLS NOT DISTINCT");
  ast::CreateIndex out;
  if (s.idxname != nullptr) out.name = s.idxname;
  out.table = ConvertRangeVar(*s.relation);
  out.unique = s.unique;
  out.if_not_exists = s.if_not_exists;
  for (size_t i = 0; i < s.n_index_params; ++i) {
    const auto& elem = *s.index_params[i]->index_elem;
    if (elem.name == nullptr || elem.name[0] == '\0') Unsupported("indexes on expressions");
    if (elem.ordering == PG_QUERY__SORT_BY_DIR__SORTBY_DESC || elem.n_opclass > 0 || elem.n_collation > 0) {
      Unsupported("DESC, operator classes and collations in indexes");
    }
    out.columns.push_back(elem.name);
  }
  return out;
}

// SQL text of a SELECT node, deparsed by libpg_query (a one-statement parse tree
// packed back into protobuf).
std::string DeparseSelect(PgQuery__Node* query);

// The SQL text of an expression: deparsed as "SELECT <expr>", without the SELECT.
std::string DeparseExpr(PgQuery__Node* expr) {
  PgQuery__ResTarget target = PG_QUERY__RES_TARGET__INIT;
  target.val = expr;
  PgQuery__Node target_node = PG_QUERY__NODE__INIT;
  target_node.node_case = PG_QUERY__NODE__NODE_RES_TARGET;
  target_node.res_target = &target;
  PgQuery__Node* targets[] = {&target_node};
  PgQuery__SelectStmt select = PG_QUERY__SELECT_STMT__INIT;
  select.n_target_list = 1;
  select.target_list = targets;
  select.op = PG_QUERY__SET_OPERATION__SETOP_NONE;
  select.limit_option = PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_DEFAULT;
  PgQuery__Node node = PG_QUERY__NODE__INIT;
  node.node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
  node.select_stmt = &select;
  std::string sql = DeparseSelect(&node);
  return sql.rfind("SELECT ", 0) == 0 ? sql.substr(7) : sql;
}

std::string DeparseSelect(PgQuery__Node* query) {
  PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
  raw.stmt = query;
  PgQuery__RawStmt* stmts[] = {&raw};
  PgQuery__ParseResult tree = PG_QUERY__PARSE_RESULT__INIT;
  tree.version = PG_VERSION_NUM;
  tree.n_stmts = 1;
  tree.stmts = stmts;
  std::string packed(pg_query__parse_result__get_packed_size(&tree), '\0');
  pg_query__parse_result__pack(&tree, reinterpret_cast<uint8_t*>(packed.data()));
  PgQueryProtobuf pb{packed.size(), packed.data()};
  PgQueryDeparseResult r = pg_query_deparse_protobuf(pb);
  std::string out = r.error == nullptr && r.query != nullptr ? r.query : "";
  bool failed = r.error != nullptr;
  pg_query_free_deparse_result(r);
  if (failed || out.empty()) Unsupported("this view definition");
  return out;
}

ast::CreateView ConvertCreateView(const PgQuery__ViewStmt& s) {
  if (s.n_options > 0) Unsupported("view options");
  if (s.with_check_option != PG_QUERY__VIEW_CHECK_OPTION__NO_CHECK_OPTION) Unsupported("WITH CHECK OPTION");
  if (s.view->relpersistence != nullptr && std::string(s.view->relpersistence) == "t") Unsupported("temporary views");
  if (s.query == nullptr || s.query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) Unsupported("this view query");
  ast::CreateView out;
  out.view = ConvertRangeVar(*s.view);
  for (size_t i = 0; i < s.n_aliases; ++i) out.columns.push_back(StringOf(*s.aliases[i]));
  out.query = ConvertSelect(*s.query->select_stmt);  // checks what Orbit supports now
  out.query_sql = DeparseSelect(s.query);
  out.or_replace = s.replace;
  return out;
}

ast::Statement ConvertDrop(const PgQuery__DropStmt& s) {
  if (s.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA) {
    ast::DropSchema out;
    out.if_exists = s.missing_ok;
    out.cascade = s.behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
    for (size_t i = 0; i < s.n_objects; ++i) out.names.push_back(StringOf(*s.objects[i]));
    return out;
  }
  if (s.remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && s.remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_INDEX &&
      s.remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_VIEW && s.remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE) {
    Unsupported("DROP of anything but tables, indexes, views, sequences and schemas");
  }
  if (s.concurrent) Unsupported("DROP INDEX CONCURRENTLY");
  if (s.behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE &&
      (s.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX || s.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE)) {
    Unsupported("DROP INDEX/SEQUENCE ... CASCADE");
  }
  ast::DropTable out;
  out.if_exists = s.missing_ok;
  out.indexes = s.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
  out.views = s.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW;
  out.sequences = s.remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE;
  out.cascade = s.behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
  for (size_t i = 0; i < s.n_objects; ++i) {
    const auto& names = *s.objects[i]->list;
    ast::TableName t;
    if (names.n_items == 2) t.schema = StringOf(*names.items[0]);
    if (names.n_items > 2) Unsupported("cross-database references");
    t.name = StringOf(*names.items[names.n_items - 1]);
    out.tables.push_back(std::move(t));
  }
  return out;
}

ast::Truncate ConvertTruncate(const PgQuery__TruncateStmt& s) {
  if (s.restart_seqs) Unsupported("TRUNCATE ... RESTART IDENTITY");
  if (s.behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE) Unsupported("TRUNCATE ... CASCADE");
  ast::Truncate out;
  for (size_t i = 0; i < s.n_relations; ++i) out.tables.push_back(ConvertRangeVar(*s.relations[i]->range_var));
  return out;
}

ast::Vacuum ConvertVacuum(const PgQuery__VacuumStmt& s) {
  ast::Vacuum out;
  out.vacuum = s.is_vacuumcmd;
  out.analyze = !s.is_vacuumcmd;
  for (size_t i = 0; i < s.n_options; ++i) {
    std::string name = s.options[i]->def_elem->defname;
    if (name == "analyze") out.analyze = true;
    // FULL, FREEZE, VERBOSE, ...: accepted; RocksDB compacts on its own (see RunVacuum).
  }
  for (size_t i = 0; i < s.n_rels; ++i) {
    const auto& rel = *s.rels[i]->vacuum_relation;
    if (rel.n_va_cols > 0) Unsupported("VACUUM/ANALYZE of single columns");
    out.tables.push_back(ConvertRangeVar(*rel.relation));
  }
  return out;
}

ast::SequenceOptions ConvertSequenceOptions(PgQuery__Node** options, size_t n, bool alter);

ast::AlterTable ConvertAlterTable(const PgQuery__AlterTableStmt& s) {
  if (s.objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && s.objtype != PG_QUERY__OBJECT_TYPE__OBJECT_VIEW &&
      s.objtype != PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE) {
    Unsupported("ALTER of anything but tables, views and sequences");
  }
  ast::AlterTable out;
  out.table = ConvertRangeVar(*s.relation);
  out.if_exists = s.missing_ok;
  for (size_t i = 0; i < s.n_cmds; ++i) {
    const auto& cmd = *s.cmds[i]->alter_table_cmd;
    ast::AlterTable::Action action;
    switch (cmd.subtype) {
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint: {
        const auto& c = *cmd.def->constraint;
        if (c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK || c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN ||
            c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE) {
          action.kind = ast::AlterTable::Action::Kind::kAddConstraint;
          action.constraint = std::make_shared<ast::CreateTable>();
          action.constraint->table = out.table;
          action.not_valid = c.skip_validation;
          action.location = c.location;
          std::string name = c.conname != nullptr ? c.conname : "";
          if (c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK) {
            if (c.is_no_inherit) Unsupported("CHECK ... NO INHERIT", c.location);
            action.constraint->checks.push_back({name, "", DeparseExpr(c.raw_expr), ConvertExpr(*c.raw_expr), c.location});
          } else if (c.contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
            action.constraint->foreign_keys.push_back(ConvertForeignKey(c, KeyNames(c.fk_attrs, c.n_fk_attrs)));
          } else {
            if (c.nulls_not_distinct) Unsupported("UNIQUE NULLS NOT DISTINCT", c.location);
            if (c.skip_validation) Throw("42601", "UNIQUE constraints cannot be marked NOT VALID", c.location);
            action.constraint->unique_keys.push_back({name, KeyNames(c.keys, c.n_keys), c.location});
          }
          break;
        }
        if (c.contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY) {
          Unsupported("ADD CONSTRAINT other than PRIMARY KEY, UNIQUE, CHECK and FOREIGN KEY", c.location);
        }
        action.kind = ast::AlterTable::Action::Kind::kAddPrimaryKey;
        action.columns = KeyNames(c.keys, c.n_keys);
        if (c.conname != nullptr) action.constraint_name = c.conname;
        action.location = c.location;
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn: {
        std::vector<std::string> pk;
        int pk_location = -1;
        action.kind = ast::AlterTable::Action::Kind::kAddColumn;
        action.column = ConvertColumnDef(*cmd.def->column_def, out.table.name, pk, pk_location, nullptr);
        if (!pk.empty()) Unsupported("ADD COLUMN ... PRIMARY KEY", pk_location);
        action.if_not_exists = cmd.missing_ok;
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ColumnDefault:
        action.kind = ast::AlterTable::Action::Kind::kSetDefault;
        action.old_name = cmd.name;
        if (cmd.def != nullptr) {
          action.default_value = ConvertExpr(*cmd.def);
          action.default_sql = DeparseExpr(cmd.def);
        }
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
        action.kind = ast::AlterTable::Action::Kind::kSetNotNull;
        action.old_name = cmd.name;
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropNotNull:
        action.kind = ast::AlterTable::Action::Kind::kDropNotNull;
        action.old_name = cmd.name;
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropColumn:
        action.kind = ast::AlterTable::Action::Kind::kDropColumn;
        action.old_name = cmd.name;
        action.if_exists = cmd.missing_ok;
        action.cascade = cmd.behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
        break;
      case PG_QUERY__ALTER_TABLE_TYPE__AT_ChangeOwner: {
        const auto& role = *cmd.newowner;
        action.kind = ast::AlterTable::Action::Kind::kOwner;
        if (role.roletype == PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CSTRING) {
          action.new_name = role.rolename;
        } else if (role.roletype == PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CURRENT_USER ||
                   role.roletype == PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_SESSION_USER ||
                   role.roletype == PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CURRENT_ROLE) {
          action.new_name = "";  // the session's user
        } else {
          Unsupported("OWNER TO PUBLIC", role.location);
        }
        action.location = role.location;
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_AddIdentity: {
        const auto& c = *cmd.def->constraint;
        action.kind = ast::AlterTable::Action::Kind::kAddIdentity;
        action.old_name = cmd.name;
        action.identity = c.generated_when != nullptr && c.generated_when[0] == 'a' ? 'a' : 'd';
        action.sequence = ConvertSequenceOptions(c.options, c.n_options, false);
        action.location = c.location;
        break;
      }
      case PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint:
        action.kind = ast::AlterTable::Action::Kind::kDropConstraint;
        action.constraint_name = cmd.name;
        action.if_exists = cmd.missing_ok;
        if (cmd.behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE) Unsupported("DROP CONSTRAINT ... CASCADE");
        break;
      default:
        Unsupported("this ALTER TABLE action (ADD/DROP CONSTRAINT, ADD/DROP COLUMN, ALTER COLUMN SET/DROP DEFAULT "
                    "and NOT NULL, and RENAME so far)");
    }
    out.actions.push_back(std::move(action));
  }
  if (s.objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
    for (const auto& action : out.actions) {
      if (action.kind != ast::AlterTable::Action::Kind::kOwner) Unsupported("ALTER VIEW/SEQUENCE other than OWNER TO");
    }
  }
  return out;
}

std::string SettingText(const PgQuery__Node& node);

// CREATE DATABASE's options. Orbit's databases are empty namespaces in one
// store: options that would change storage or behaviour Orbit does not have
// are refused rather than ignored.
ast::DatabaseDdl ConvertCreateDatabase(const PgQuery__CreatedbStmt& s) {
  ast::DatabaseDdl out;
  out.name = s.dbname;
  for (size_t i = 0; i < s.n_options; ++i) {
    const auto& d = *s.options[i]->def_elem;
    std::string option = d.defname;
    std::string value = d.arg != nullptr ? SettingText(*d.arg) : "";
    std::string lower = AsciiLower(value);
    if (option == "owner") {
      out.owner = value;
    } else if (option == "template") {
      out.template_name = value;
    } else if (option == "encoding") {
      if (lower != "utf8" && lower != "utf-8" && lower != "unicode" && lower != "6") {
        Unsupported("encoding " + value + " (databases are UTF8)", d.location);
      }
    } else if (option == "locale" || option == "lc_collate" || option == "lc_ctype") {
      if (lower != "c" && lower != "posix" && lower != "c.utf-8" && lower != "c.utf8") {
        Unsupported("locale " + value + " (strings compare bytewise, as in the C locale)", d.location);
      }
    } else if (option == "locale_provider") {
      if (lower != "libc") Unsupported("locale provider " + value, d.location);
    } else if (option == "strategy") {
      // WAL_LOG / FILE_COPY: how PostgreSQL copies the template; Orbit has nothing to copy.
      if (lower != "wal_log" && lower != "file_copy") {
        Throw("22023", "invalid create database strategy \"" + value + "\"", d.location);
      }
    } else if (option == "tablespace") {
      if (value != "pg_default") Unsupported("tablespaces", d.location);
    } else if (option == "allow_connections") {
      if (lower == "false" || lower == "off" || lower == "0") Unsupported("ALLOW_CONNECTIONS false", d.location);
    } else if (option == "is_template") {
      if (lower == "true" || lower == "on" || lower == "1") Unsupported("template databases", d.location);
    } else if (option == "connection_limit") {
      if (value != "-1") Unsupported("CONNECTION LIMIT", d.location);
    } else {
      Unsupported("CREATE DATABASE option " + option, d.location);
    }
  }
  return out;
}

// Sequence options (CREATE/ALTER SEQUENCE, identity columns). Those Orbit
// does not implement (INCREMENT other than 1, MINVALUE other than 1, CYCLE)
// are 0A000; CACHE is a hint and only checked.
ast::SequenceOptions ConvertSequenceOptions(PgQuery__Node** options, size_t n, bool alter) {
  ast::SequenceOptions out;
  for (size_t i = 0; i < n; ++i) {
    const auto& d = *options[i]->def_elem;
    std::string option = d.defname;
    auto number = [&]() -> int64_t {
      if (d.arg == nullptr) Throw("42601", "option \"" + option + "\" needs a value", d.location);
      std::string text = SettingText(*d.arg);
      try {
        return std::stoll(text);
      } catch (...) {
        Throw("22023", "invalid value for option \"" + option + "\": " + text, d.location);
      }
    };
    if (option == "start") {
      out.start = number();
    } else if (option == "restart" && alter) {
      if (d.arg == nullptr) out.restart_at_start = true;
      else out.restart = number();
    } else if (option == "cache") {
      if (number() < 1) Throw("22023", "CACHE (" + std::to_string(number()) + ") must be greater than zero", d.location);
    } else if (option == "increment") {
      int64_t increment = number();
      if (increment == 0) Throw("22023", "INCREMENT must not be zero", d.location);
      if (increment != 1) Unsupported("sequences with an increment other than 1", d.location);
    } else if (option == "minvalue") {
      if (d.arg != nullptr && number() != 1) Unsupported("MINVALUE other than 1", d.location);
    } else if (option == "maxvalue") {
      if (d.arg != nullptr) out.max_value = number();  // NO MAXVALUE: the type's
    } else if (option == "cycle") {
      std::string value = d.arg != nullptr ? AsciiLower(SettingText(*d.arg)) : "true";
      if (value != "false" && value != "off" && value != "0") Unsupported("CYCLE sequences", d.location);
    } else if (option == "as") {
      LogicalType type = ConvertTypeName(*d.arg->type_name);
      if (type.id == TypeId::kInt2) out.max_value = out.max_value.value_or(32767);
      else if (type.id == TypeId::kInt4) out.max_value = out.max_value.value_or(2147483647);
      else if (type.id != TypeId::kInt8) Throw("22023", "sequence type must be smallint, integer, or bigint", d.location);
    } else if (option == "owned_by" && alter) {
      std::vector<std::string> names;
      const auto& list = *d.arg->list;
      for (size_t k = 0; k < list.n_items; ++k) names.push_back(list.items[k]->string->sval);
      if (names.size() == 1 && AsciiLower(names[0]) == "none") names.clear();
      else if (names.size() < 2) Throw("42601", "invalid OWNED BY option", d.location);
      out.owned_by = std::move(names);
    } else if (option == "sequence_name" && !alter) {
      const auto& list = *d.arg->list;
      for (size_t k = 0; k < list.n_items; ++k) out.name.push_back(list.items[k]->string->sval);
    } else {
      Unsupported("sequence option " + option, d.location);
    }
  }
  return out;
}

ast::Explain ConvertExplain(const PgQuery__ExplainStmt& s) {
  ast::Explain out;
  for (size_t i = 0; i < s.n_options; ++i) {
    const auto& d = *s.options[i]->def_elem;
    std::string option = d.defname;
    std::string value = d.arg != nullptr ? AsciiLower(SettingText(*d.arg)) : "true";
    bool on = value == "true" || value == "on" || value == "1";
    if (option == "analyze") {
      out.analyze = on;
    } else if (option == "format") {
      if (value != "text") Unsupported("EXPLAIN (FORMAT " + value + ")", d.location);
    } else if (option == "costs" || option == "verbose" || option == "timing" || option == "summary" ||
               option == "buffers" || option == "settings" || option == "wal") {
      // Orbit's plan text has no costs, buffers or settings to show or hide.
    } else {
      Unsupported("EXPLAIN option " + option, d.location);
    }
  }
  if (s.query == nullptr || s.query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
    Unsupported("EXPLAIN of anything but SELECT");
  }
  out.query = ConvertSelect(*s.query->select_stmt);
  return out;
}

ast::DatabaseDdl ConvertDropDatabase(const PgQuery__DropdbStmt& s) {
  ast::DatabaseDdl out;
  out.kind = ast::DatabaseDdl::Kind::kDrop;
  out.name = s.dbname;
  out.if_exists = s.missing_ok;
  for (size_t i = 0; i < s.n_options; ++i) {
    Unsupported(std::string("DROP DATABASE option ") + s.options[i]->def_elem->defname);  // FORCE
  }
  return out;
}

ast::Statement ConvertRename(const PgQuery__RenameStmt& s) {
  if (s.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_DATABASE) {
    ast::DatabaseDdl out;
    out.kind = ast::DatabaseDdl::Kind::kRename;
    out.name = s.subname;
    out.new_name = s.newname;
    return out;
  }
  ast::AlterTable out;
  ast::AlterTable::Action action;
  if (s.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
    action.kind = ast::AlterTable::Action::Kind::kRenameTable;
  } else if (s.rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_COLUMN &&
             s.relation_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE) {
    action.kind = ast::AlterTable::Action::Kind::kRenameColumn;
    action.old_name = s.subname;
  } else {
    Unsupported("RENAME of anything but tables and columns");
  }
  out.table = ConvertRangeVar(*s.relation);
  out.if_exists = s.missing_ok;
  action.new_name = s.newname;
  out.actions.push_back(std::move(action));
  return out;
}

ast::Copy ConvertCopy(const PgQuery__CopyStmt& s) {
  if ((s.filename != nullptr && s.filename[0] != '\0') || s.is_program) {
    Unsupported("COPY to or from a file or program (use STDIN/STDOUT)");
  }
  if (s.where_clause != nullptr) Unsupported("COPY ... WHERE");
  ast::Copy out;
  out.from = s.is_from;
  if (s.relation != nullptr) out.table = ConvertRangeVar(*s.relation);
  if (s.query != nullptr) {
    if (s.query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) Unsupported("COPY of anything but a SELECT");
    out.query = ConvertSelect(*s.query->select_stmt);
  }
  for (size_t i = 0; i < s.n_attlist; ++i) out.columns.push_back(StringOf(*s.attlist[i]));
  bool delimiter_set = false, null_set = false;
  for (size_t i = 0; i < s.n_options; ++i) {
    const auto& d = *s.options[i]->def_elem;
    std::string name = d.defname;
    std::string value = d.arg != nullptr ? SettingText(*d.arg) : "true";
    auto single_char = [&](const char* what) {
      if (value.size() != 1) Throw("22023", std::string("COPY ") + what + " must be a single one-byte character");
      return value[0];
    };
    if (name == "format") {
      value = AsciiLower(value);
      if (value == "binary") Unsupported("COPY ... FORMAT binary");
      if (value != "text" && value != "csv") Throw("22023", "COPY format \"" + value + "\" not recognized");
      out.csv = value == "csv";
    } else if (name == "delimiter") {
      out.delimiter = single_char("delimiter");
      delimiter_set = true;
    } else if (name == "null") {
      out.null_string = value;
      null_set = true;
    } else if (name == "header") {
      value = AsciiLower(value);
      if (value == "match") Unsupported("COPY ... HEADER MATCH");
      out.header = value == "true" || value == "on" || value == "1";
    } else if (name == "quote") {
      out.quote = single_char("quote");
    } else if (name == "escape") {
      out.escape = single_char("escape");
    } else if (name == "freeze") {
      // FREEZE only skips visibility bookkeeping PostgreSQL's heap has and Orbit's storage does not.
    } else if (name == "encoding") {
      if (AsciiLower(value) != "utf8" && AsciiLower(value) != "utf-8") Unsupported("COPY encodings other than UTF8");
    } else {
      Unsupported("COPY option " + name);
    }
  }
  if (out.csv) {
    if (!delimiter_set) out.delimiter = ',';
    if (!null_set) out.null_string = "";
  }
  return out;
}

void RoleOptions(PgQuery__Node** options, size_t n, ast::Role& out) {
  for (size_t i = 0; i < n; ++i) {
    const auto& d = *options[i]->def_elem;
    std::string name = d.defname;
    if (name == "password") {
      if (d.arg == nullptr) out.password = std::optional<std::string>();
      else out.password = std::optional<std::string>(SettingText(*d.arg));
    } else if (name == "canlogin" || name == "superuser") {
      bool on = d.arg == nullptr || SettingText(*d.arg) == "true" || SettingText(*d.arg) == "1";
      (name == "canlogin" ? out.login : out.superuser) = on;
    } else {
      Unsupported("role option " + name + " (Orbit has no privileges yet)");
    }
  }
}

ast::Role ConvertCreateRole(const PgQuery__CreateRoleStmt& s) {
  if (s.stmt_type == PG_QUERY__ROLE_STMT_TYPE__ROLESTMT_GROUP) Unsupported("CREATE GROUP");
  ast::Role out;
  out.name = s.role;
  if (s.stmt_type == PG_QUERY__ROLE_STMT_TYPE__ROLESTMT_USER) out.login = true;  // CREATE USER logs in by default
  RoleOptions(s.options, s.n_options, out);
  return out;
}

ast::Role ConvertAlterRole(const PgQuery__AlterRoleStmt& s) {
  if (s.role->roletype != PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CSTRING) Unsupported("ALTER ROLE CURRENT_USER/ALL");
  ast::Role out;
  out.create = false;
  out.name = s.role->rolename;
  RoleOptions(s.options, s.n_options, out);
  return out;
}

ast::DropRole ConvertDropRole(const PgQuery__DropRoleStmt& s) {
  ast::DropRole out;
  out.if_exists = s.missing_ok;
  for (size_t i = 0; i < s.n_roles; ++i) {
    const auto& spec = *s.roles[i]->role_spec;
    if (spec.roletype != PG_QUERY__ROLE_SPEC_TYPE__ROLESPEC_CSTRING) Unsupported("DROP ROLE CURRENT_USER");
    out.names.push_back(spec.rolename);
  }
  return out;
}


// A SET argument as text: 'x', 42, 1.5, on (a keyword arrives as a string).
std::string SettingText(const PgQuery__Node& node) {
  if (node.node_case == PG_QUERY__NODE__NODE_A_CONST) {
    const auto& c = *node.a_const;
    switch (c.val_case) {
      case PG_QUERY__A__CONST__VAL_SVAL: return c.sval->sval;
      case PG_QUERY__A__CONST__VAL_IVAL: return std::to_string(c.ival->ival);
      case PG_QUERY__A__CONST__VAL_FVAL: return c.fval->fval;
      case PG_QUERY__A__CONST__VAL_BOOLVAL: return c.boolval->boolval ? "on" : "off";
      default: break;
    }
  }
  switch (node.node_case) {  // option arguments of COPY, VACUUM, ... (DefElem) come as plain nodes
    case PG_QUERY__NODE__NODE_STRING: return node.string->sval;
    case PG_QUERY__NODE__NODE_INTEGER: return std::to_string(node.integer->ival);
    case PG_QUERY__NODE__NODE_FLOAT: return node.float_->fval;
    case PG_QUERY__NODE__NODE_BOOLEAN: return node.boolean->boolval ? "true" : "false";
    default: break;
  }
  Unsupported("this kind of SET value (" + NodeName(node) + ")");
}

// Transaction modes of BEGIN / SET TRANSACTION: DefElems transaction_isolation,
// transaction_read_only, transaction_deferrable.
void TransactionModes(PgQuery__Node** options, size_t n, std::string& isolation, std::optional<bool>& read_only) {
  for (size_t i = 0; i < n; ++i) {
    const auto& d = *options[i]->def_elem;
    std::string name = d.defname;
    if (name == "transaction_isolation") {
      isolation = AsciiLower(SettingText(*d.arg));
    } else if (name == "transaction_read_only") {
      read_only = SettingText(*d.arg) == "on" || SettingText(*d.arg) == "1";
    } else if (name != "transaction_deferrable") {
      Unsupported("transaction mode " + name);
    }
  }
}

ast::Transaction ConvertTransaction(const PgQuery__TransactionStmt& s) {
  ast::Transaction out;
  switch (s.kind) {
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
      TransactionModes(s.options, s.n_options, out.isolation, out.read_only);
      out.kind = ast::Transaction::Kind::kBegin;
      break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
      if (s.chain) Unsupported("COMMIT AND CHAIN");
      out.kind = ast::Transaction::Kind::kCommit;
      break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
      if (s.chain) Unsupported("ROLLBACK AND CHAIN");
      out.kind = ast::Transaction::Kind::kRollback;
      break;
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
    case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
      out.kind = s.kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT ? ast::Transaction::Kind::kSavepoint
                 : s.kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE ? ast::Transaction::Kind::kRelease
                                                                                 : ast::Transaction::Kind::kRollbackTo;
      out.savepoint = s.savepoint_name != nullptr ? s.savepoint_name : "";
      break;
    default: Unsupported("two-phase commit");
  }
  return out;
}

ast::Statement ConvertSet(const PgQuery__VariableSetStmt& s) {
  ast::SetVariable out;
  out.local = s.is_local;
  out.name = s.name != nullptr ? AsciiLower(s.name) : "";
  switch (s.kind) {
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE:
      for (size_t i = 0; i < s.n_args; ++i) out.value += (i > 0 ? ", " : "") + SettingText(*s.args[i]);
      break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT: out.kind = ast::SetVariable::Kind::kDefault; break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET: out.kind = ast::SetVariable::Kind::kReset; break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL: out.kind = ast::SetVariable::Kind::kResetAll; break;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI: {
      if (out.name != "transaction") Unsupported("SET " + out.name);
      std::string isolation;
      std::optional<bool> read_only;
      TransactionModes(s.args, s.n_args, isolation, read_only);
      out.transaction = true;
      if (!isolation.empty()) {
        out.name = "transaction_isolation";
        out.value = isolation;
      } else if (read_only) {
        out.name = "transaction_read_only";
        out.value = *read_only ? "on" : "off";
      } else {
        out.name = "transaction_deferrable";
        out.value = "off";
      }
      break;
    }
    default: Unsupported("SET ... FROM CURRENT");
  }
  if (out.name == "timezone" && s.n_args == 1 && s.args[0]->node_case != PG_QUERY__NODE__NODE_A_CONST) {
    Unsupported("SET TIME ZONE INTERVAL");
  }
  return out;
}

}  // namespace
}  // namespace orbit::sql::parser

namespace orbit::sql {

size_t StatementCount(const ParseTree& tree) { return tree.result().n_stmts; }

bool IsEmptyStatement(const ParseTree& tree, size_t index) { return tree.result().stmts[index]->stmt == nullptr; }

ast::Statement ConvertStatement(const ParseTree& tree, size_t index) {
  using namespace parser;  // NOLINT: the converters of this file
  const PgQuery__Node& stmt = *tree.result().stmts[index]->stmt;
  switch (stmt.node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT: return std::move(*ConvertSelect(*stmt.select_stmt));
    case PG_QUERY__NODE__NODE_INSERT_STMT: return ConvertInsert(*stmt.insert_stmt);
    case PG_QUERY__NODE__NODE_UPDATE_STMT: return ConvertUpdate(*stmt.update_stmt);
    case PG_QUERY__NODE__NODE_DELETE_STMT: return ConvertDelete(*stmt.delete_stmt);
    case PG_QUERY__NODE__NODE_CREATE_STMT: return ConvertCreate(*stmt.create_stmt);
    case PG_QUERY__NODE__NODE_DROP_STMT: return ConvertDrop(*stmt.drop_stmt);
    case PG_QUERY__NODE__NODE_VIEW_STMT: return ConvertCreateView(*stmt.view_stmt);
    case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT: {
      const auto& c = *stmt.create_seq_stmt;
      ast::CreateSequence out;
      out.name = ConvertRangeVar(*c.sequence);
      out.if_not_exists = c.if_not_exists != 0;
      out.options = ConvertSequenceOptions(c.options, c.n_options, false);
      return out;
    }
    case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT: {
      const auto& c = *stmt.alter_seq_stmt;
      if (c.for_identity) Unsupported("ALTER SEQUENCE of an identity column's sequence");
      ast::AlterSequence out;
      out.name = ConvertRangeVar(*c.sequence);
      out.if_exists = c.missing_ok != 0;
      out.options = ConvertSequenceOptions(c.options, c.n_options, true);
      return out;
    }
    case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT: {
      const auto& c = *stmt.create_schema_stmt;
      if (c.n_schema_elts > 0) Unsupported("CREATE SCHEMA with schema elements");
      if (c.schemaname == nullptr || c.schemaname[0] == '\0') Unsupported("CREATE SCHEMA AUTHORIZATION without a name");
      return ast::CreateSchema{c.schemaname, c.if_not_exists != 0, -1};
    }
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT: return ConvertTransaction(*stmt.transaction_stmt);
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT: return ConvertSet(*stmt.variable_set_stmt);
    case PG_QUERY__NODE__NODE_TRUNCATE_STMT: return ConvertTruncate(*stmt.truncate_stmt);
    case PG_QUERY__NODE__NODE_COPY_STMT: return ConvertCopy(*stmt.copy_stmt);
    case PG_QUERY__NODE__NODE_INDEX_STMT: return ConvertIndex(*stmt.index_stmt);
    case PG_QUERY__NODE__NODE_CREATE_ROLE_STMT: return ConvertCreateRole(*stmt.create_role_stmt);
    case PG_QUERY__NODE__NODE_ALTER_ROLE_STMT: return ConvertAlterRole(*stmt.alter_role_stmt);
    case PG_QUERY__NODE__NODE_DROP_ROLE_STMT: return ConvertDropRole(*stmt.drop_role_stmt);
    case PG_QUERY__NODE__NODE_VACUUM_STMT: return ConvertVacuum(*stmt.vacuum_stmt);
    case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: return ConvertAlterTable(*stmt.alter_table_stmt);
    case PG_QUERY__NODE__NODE_RENAME_STMT: return ConvertRename(*stmt.rename_stmt);
    case PG_QUERY__NODE__NODE_CREATEDB_STMT: return ConvertCreateDatabase(*stmt.createdb_stmt);
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT: return ConvertExplain(*stmt.explain_stmt);
    case PG_QUERY__NODE__NODE_DROPDB_STMT: return ConvertDropDatabase(*stmt.dropdb_stmt);
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT: return ast::ShowVariable{AsciiLower(stmt.variable_show_stmt->name)};
    default: Unsupported("statement " + NodeName(stmt));
  }
}

}  // namespace orbit::sql
