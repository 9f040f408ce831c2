"""Table API: a Python scalar UDF declared to return BIGINT normalizes the quantity
field but returns the cleaned-up string instead of an int (the UDF's result does not
match its declared result type)."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.BIGINT())
def parse_quantity(raw):
    return raw.strip().lstrip("0") or "0"


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    lines = t_env.from_elements(
        [(1001, " 003"), (1002, "12 "), (1003, "1")],
        DataTypes.ROW([DataTypes.FIELD("order_id", DataTypes.BIGINT()),
                       DataTypes.FIELD("quantity", DataTypes.STRING())]))
    t_env.create_temporary_system_function("parse_quantity", parse_quantity)
    t_env.create_temporary_view("order_lines", lines)
    t_env.execute_sql("CREATE TABLE quantities (order_id BIGINT, quantity BIGINT) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("INSERT INTO quantities SELECT order_id, parse_quantity(quantity) FROM order_lines")


if __name__ == "__main__":
    main()
