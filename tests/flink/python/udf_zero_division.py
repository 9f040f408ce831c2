"""Table API: a Python scalar UDF computes the unit price of each order line;
one line has quantity 0 (ZeroDivisionError in the UDF)."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.DOUBLE())
def unit_price(total, quantity):
    return round(total / quantity, 2)


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    lines = t_env.from_elements(
        [(1001, 59.97, 3), (1002, 12.50, 1), (1003, 0.0, 0), (1004, 99.00, 2)],
        DataTypes.ROW([DataTypes.FIELD("order_id", DataTypes.BIGINT()),
                       DataTypes.FIELD("total", DataTypes.DOUBLE()),
                       DataTypes.FIELD("quantity", DataTypes.INT())]))
    t_env.create_temporary_system_function("unit_price", unit_price)
    t_env.create_temporary_view("order_lines", lines)
    t_env.execute_sql("CREATE TABLE priced (order_id BIGINT, unit_price DOUBLE) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("INSERT INTO priced SELECT order_id, unit_price(total, quantity) FROM order_lines")


if __name__ == "__main__":
    main()
