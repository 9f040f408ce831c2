"""Table API: a Python scalar UDF enriches each order with the customer's tier from
an HTTP service (argv: the service's base URL and the client library, urllib or
requests); the service is down: nothing listens on its port (connection refused)."""
import json
import sys

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import ScalarFunction, udf


class CustomerTier(ScalarFunction):
    def __init__(self, base_url, client):
        self.base_url = base_url
        self.client = client

    def eval(self, customer_id):
        url = "%s/api/customers/%d/tier" % (self.base_url, customer_id)
        if self.client == "requests":
            import requests
            response = requests.get(url, timeout=5)
            response.raise_for_status()
            return response.json()["tier"]
        import urllib.request
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)["tier"]


def main():
    base_url, client = sys.argv[1], sys.argv[2]
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    orders = t_env.from_elements(
        [(1001, 17, 59.97), (1002, 4, 12.50), (1003, 17, 99.00)],
        DataTypes.ROW([DataTypes.FIELD("order_id", DataTypes.BIGINT()),
                       DataTypes.FIELD("customer_id", DataTypes.BIGINT()),
                       DataTypes.FIELD("total", DataTypes.DOUBLE())]))
    t_env.create_temporary_system_function(
        "customer_tier", udf(CustomerTier(base_url, client), result_type=DataTypes.STRING()))
    t_env.create_temporary_view("orders", orders)
    t_env.execute_sql("CREATE TABLE tiered (order_id BIGINT, tier STRING, total DOUBLE) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("INSERT INTO tiered SELECT order_id, customer_tier(customer_id), total FROM orders")


if __name__ == "__main__":
    main()
