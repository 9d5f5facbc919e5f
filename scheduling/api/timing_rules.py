"""``/api/v1/timing-rules/``: the site's timing rules (R1-R18, docs/clinical-rules.md); every
person who reads bookings lists them, administrators edit them (If-Match)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.concurrency import etag_for, expected_version
from scheduling import selectors, services
from scheduling.api.base import ADMIN_ONLY, READ, SchedulingApiView
from scheduling.domain import rule_limits
from scheduling.models import TimingRule


class TimingRuleOut(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    rule = serializers.CharField(source="rule_id")
    kind = serializers.CharField()
    from_procedures = serializers.ListField(child=serializers.CharField())
    from_purposes = serializers.ListField(child=serializers.CharField())
    to_procedures = serializers.ListField(child=serializers.CharField())
    from_anchor = serializers.CharField()
    to_anchor = serializers.CharField()
    min_lag_minutes = serializers.IntegerField(allow_null=True)
    max_lag_minutes = serializers.IntegerField(allow_null=True)
    preferred_lag_minutes = serializers.IntegerField(allow_null=True)
    symmetric = serializers.BooleanField()
    severity = serializers.CharField()
    scope = serializers.CharField()
    template = serializers.DictField()
    rationale = serializers.CharField()
    source = serializers.CharField()
    active = serializers.BooleanField()
    version = serializers.IntegerField()


def _lag_field() -> serializers.IntegerField:
    limit = rule_limits.LAG_LIMIT_MINUTES
    message = f"A lag is at most one year either way: from {-limit} to {limit} minutes."
    return serializers.IntegerField(
        allow_null=True, required=False, min_value=-limit, max_value=limit,
        error_messages={"min_value": message, "max_value": message})


class TimingRuleListApi(SchedulingApiView):
    """GET /timing-rules/: the site's timing rules, their lags, severity and rationale."""

    access = {"GET": READ}

    @extend_schema(operation_id="timing_rule_list", responses=TimingRuleOut(many=True))
    def get(self, request: Request) -> Response:
        return self.paginated(selectors.timing_rule_list(), TimingRuleOut)


class TimingRuleUpdateApi(SchedulingApiView):
    """PATCH /timing-rules/{code}/ (administrators, If-Match): lags, severity, active, text."""

    access = {"PATCH": ADMIN_ONLY}

    class InputSerializer(serializers.Serializer):
        # Published bounds: a year either way (the database's own bound); each rule id's
        # clinical range is checked by the service (rule "lag_range", range in the message).
        min_lag_minutes = _lag_field()
        max_lag_minutes = _lag_field()
        preferred_lag_minutes = _lag_field()
        severity = serializers.ChoiceField(choices=TimingRule.Severity.choices, required=False)
        active = serializers.BooleanField(required=False)
        rationale = serializers.CharField(required=False)
        source = serializers.CharField(max_length=300, required=False, allow_blank=True)
        reason = serializers.CharField(max_length=300)

    @extend_schema(operation_id="timing_rule_update", request=InputSerializer,
                   responses=TimingRuleOut)
    def patch(self, request: Request, code: str) -> Response:
        rule = selectors.timing_rule_get(code=code)
        version = expected_version(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        reason = changes.pop("reason")
        rule = services.timing_rule_update(rule=rule, principal=self.principal,
                                           expected_version=version, changes=changes,
                                           reason=reason)
        response = Response(TimingRuleOut(rule).data)
        response["ETag"] = etag_for(rule.version)
        return response
