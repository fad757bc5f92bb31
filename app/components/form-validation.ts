/**
 * When forms check their fields, shared by every `useForm`: first when the person submits, then a field showing an
 * error is checked again as it is typed in, in the browser (every form has a client-side `onValidate`, so no request
 * is sent per keystroke), and the error goes away as soon as the value is right. Not "onBlur" for either: an error
 * appearing or vanishing as a field is left moves everything below it, and the click that left the field (on
 * Submit, a radio button, a checkbox) then lands on the wrong spot (docs/decisions/0085).
 */
export const checkOnSubmitThenAsTyped = { shouldValidate: "onSubmit", shouldRevalidate: "onInput" } as const;
